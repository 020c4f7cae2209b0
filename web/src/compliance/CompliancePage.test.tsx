import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import type { SCACheckList, SCAOverview } from "./api";
import { CompliancePage } from "./CompliancePage";

afterEach(() => vi.unstubAllGlobals());

const READ = ["self", "endpoints:read"];

const OVERVIEW: SCAOverview = {
  endpoints: [
    {
      endpoint_id: "ep-1", name: "web-01", hostname: "web-01", platform: "debian", platform_version: "12", score: 40, failed: 3,
      policies: [{ policy_id: "linux-baseline", policy_name: "Linux baseline", score: 40, passed: 2, failed: 3, not_applicable: 1, finished_at: "2026-11-23T10:00:00Z",
        worst_failing: [{ id: "ssh-root", title: "SSH root login disabled", severity: "high" }] }],
    },
    { endpoint_id: "ep-2", name: "db-01", hostname: "db-01", platform: "ubuntu", platform_version: "22.04", score: null, failed: 0, policies: [] },
  ],
  policies: [{ policy_id: "linux-baseline", policy_name: "Linux baseline", endpoints: 1, average_score: 40, passed: 2, failed: 3 }],
  summary: { endpoints: 2, assessed: 1, average_score: 40, failed_checks: 3 },
};

const CHECKS: SCACheckList = {
  total: 1,
  endpoints: 2,
  items: [{ policy_id: "linux-baseline", policy_name: "Linux baseline", check_id: "ssh-root", title: "SSH root login disabled", severity: "high",
    remediation: "Set PermitRootLogin no in /etc/ssh/sshd_config", rationale: "", compliance: { "CIS Debian 12": "5.2.7" }, failing: 1, passing: 0, assessed: 1,
    failing_endpoints: [{ id: "ep-1", name: "web-01" }] }],
};

describe("CompliancePage", () => {
  it("refuses a role without endpoints:read", () => {
    stubFetch(() => json(500, {}));
    renderWithProviders(<CompliancePage />, { me: makeMe({ permissions: ["self"] }) });
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows the fleet's score, the failing checks with remediation and each endpoint's worst checks", async () => {
    const { calls } = stubFetch((call) => (call.url.startsWith("/api/v1/sca/checks") ? json(200, CHECKS) : json(200, OVERVIEW)));
    renderWithProviders(<CompliancePage />, { me: makeMe({ permissions: READ }) });
    expect(await screen.findByRole("region", { name: "Average score" })).toHaveTextContent("40 %");
    expect(screen.getByRole("region", { name: "Assessed endpoints" })).toHaveTextContent("1of 2 active");
    const checks = await screen.findByRole("table", { name: "Failing checks" });
    const r = within(checks).getByText("SSH root login disabled").closest("tr");
    expect(r).toHaveTextContent("Set PermitRootLogin no");
    expect(r).toHaveTextContent("CIS Debian 12 5.2.7");
    const user = userEvent.setup();
    await user.click(within(checks).getByRole("button", { name: "1 of 1" }));
    expect(within(checks).getByRole("list", { name: "Endpoints failing SSH root login disabled" })).toHaveTextContent("web-01");
    const eps = screen.getByRole("table", { name: "Endpoint scores" });
    expect(within(eps).getByRole("link", { name: "web-01" }).closest("tr")).toHaveTextContent("SSH root login disabled");
    expect(within(eps).getByRole("link", { name: "db-01" }).closest("tr")).toHaveTextContent("not assessed");
    await user.selectOptions(screen.getByLabelText("Policy"), "linux-baseline");
    expect(calls.some((c) => c.url === "/api/v1/sca?policy=linux-baseline")).toBe(true);
  });

  it("says where assessments come from when there are none", async () => {
    stubFetch((call) =>
      call.url.startsWith("/api/v1/sca/checks") ? json(200, { items: [], total: 0, endpoints: 0 }) : json(200, { endpoints: [], policies: [], summary: { endpoints: 0, assessed: 0, average_score: null, failed_checks: 0 } }),
    );
    renderWithProviders(<CompliancePage />, { me: makeMe({ permissions: READ }) });
    expect(await screen.findByRole("heading", { name: "No assessment yet" })).toBeInTheDocument();
    expect(await screen.findByText("No check fails on any endpoint.")).toBeInTheDocument();
  });
});
