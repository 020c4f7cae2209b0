import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SocMetrics } from "../api/soc";
import { socMe } from "../incidents/testing";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { SocMetricsPage } from "./SocMetricsPage";

const METRICS: SocMetrics = {
  from: "2026-11-16T10:00:00Z",
  to: "2026-11-23T10:00:00Z",
  alerts: { raised: 120, acknowledged: 110, resolved: 100, mtta_seconds: 540, mttr_seconds: 7380, ack_breaches: 3, resolve_breaches: 1, open: 20, open_breaching: 2 },
  incidents: { opened: 4, resolved: 3, mtta_seconds: 300, mttr_seconds: 90000, open: 1 },
  by_group: [{ group: "g-1", group_name: "Tier 1", alerts_resolved: 80, mtta_seconds: 420, mttr_seconds: 3600 }],
  by_user: [{ user: "u-ana", email: "ana@example.test", resolved: 50, mtta_seconds: 300, mttr_seconds: 1800 }],
  by_severity: [{ severity: "critical", mtta_seconds: 120, mttr_seconds: 1200, count: 5 }],
  verdicts: { true_positive: 30, benign: 50, false_positive: 20 },
};

afterEach(() => vi.unstubAllGlobals());

function server() {
  return stubFetch((call) => {
    const p = new URL(call.url, "http://localhost").pathname;
    if (p === "/api/v1/soc/metrics") return json(200, METRICS);
    if (p === "/api/v1/groups") return json(200, { items: [{ id: "g-1", org_id: "o-1", name: "Tier 1", description: "", members: [], created_at: "", updated_at: "" }] });
    if (p === "/api/v1/users") return json(200, { items: [], total: 0 });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

describe("SocMetricsPage", () => {
  it("shows MTTA/MTTR cards, breaches, the breakdowns and the verdict split", async () => {
    server();
    renderWithProviders(<SocMetricsPage />, { route: "/soc-metrics", me: socMe() });
    expect(await screen.findByRole("group", { name: "Alerts MTTA" }, { timeout: 5000 })).toHaveTextContent("9m");
    expect(screen.getByRole("group", { name: "Alerts MTTR" })).toHaveTextContent("2h 3m");
    expect(screen.getByRole("group", { name: "SLA breaches" })).toHaveTextContent("43 ack · 1 resolve");
    expect(screen.getByRole("group", { name: "Incidents MTTR" })).toHaveTextContent("1d 1h");
    expect(within(screen.getByRole("table", { name: "By work group" })).getByText("Tier 1")).toBeInTheDocument();
    expect(within(screen.getByRole("table", { name: "By analyst" })).getByText("ana@example.test")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Verdict split" })).toHaveTextContent("False positive 20 (20%)");
  });

  it("asks for the chosen period and group, kept in the URL", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<SocMetricsPage />, { route: "/soc-metrics", me: socMe() });
    await screen.findByRole("group", { name: "Alerts MTTA" });
    let q = new URL(calls.filter((c) => c.url.startsWith("/api/v1/soc/metrics")).at(-1)?.url ?? "", "http://localhost").searchParams;
    expect(Date.parse(q.get("to") ?? "") - Date.parse(q.get("from") ?? "")).toBe(7 * 86400_000);
    await user.click(screen.getByRole("button", { name: "30 d" }));
    await user.selectOptions(screen.getByLabelText("Work group"), await screen.findByRole("option", { name: "Tier 1" }));
    expect(location.search.toString()).toBe("period=30d&group=g-1");
    await vi.waitFor(() => {
      q = new URL(calls.filter((c) => c.url.startsWith("/api/v1/soc/metrics")).at(-1)?.url ?? "", "http://localhost").searchParams;
      expect(q.get("group")).toBe("g-1");
      expect(Date.parse(q.get("to") ?? "") - Date.parse(q.get("from") ?? "")).toBe(30 * 86400_000);
    });
  });

  it("refuses a role without incidents:read", () => {
    const { calls } = server();
    renderWithProviders(<SocMetricsPage />, { route: "/soc-metrics", me: makeMe({ permissions: ["self"] }) });
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to SOC Metrics");
    expect(calls).toHaveLength(0);
  });
});
