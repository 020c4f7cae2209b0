import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { IncidentsPage } from "./IncidentsPage";
import { slaTimer } from "./SlaBadge";
import { PLAYBOOK, makeIncident, makeIncidentDetail, socMe, triageAlert } from "./testing";

const inc = makeIncident({ id: "i-7" });
const breached = makeIncident({
  id: "i-8",
  number: "INC-0008",
  title: "Ransomware note on FS-2",
  severity: "critical",
  status: "in_progress",
  owner: "u-ana",
  owner_email: "ana@example.test",
  task_counts: { todo: 1, in_progress: 1, blocked: 1, done: 2 },
  sla: { ack_due: "2026-11-23T10:15:00Z", resolve_due: "2026-11-23T11:00:00Z", ack_breached: false, resolve_breached: true },
  acknowledged_at: "2026-11-23T10:05:00Z",
});

function server(more?: (call: Call, url: URL) => Response | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const r = more?.(call, url);
    if (r) return r;
    if (url.pathname === "/api/v1/incidents" && call.method === "POST") return json(201, makeIncidentDetail({ id: "i-10" }));
    if (url.pathname === "/api/v1/incidents") return json(200, { incidents: [breached, inc], total: 2, next_cursor: "" });
    if (url.pathname === "/api/v1/incidents/proposals")
      return json(200, {
        proposals: [{ key: "host:web-1", entity: { kind: "host", value: "web-1" }, alerts: [triageAlert({ id: "a-1" }), triageAlert({ id: "a-2" })], severity: "high", title: "Activity on web-1" }],
      });
    if (url.pathname === "/api/v1/incidents/proposals/accept") return json(201, makeIncidentDetail({ id: "i-9" }));
    if (url.pathname === "/api/v1/groups") return json(200, { items: [] });
    if (url.pathname === "/api/v1/users") return json(200, { items: [], total: 0 });
    if (url.pathname === "/api/v1/playbooks") return json(200, { playbooks: [PLAYBOOK] });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

function renderPage(route = "/incidents", me = socMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/incidents" element={<IncidentsPage />} />
      <Route path="/incidents/:id" element={<h1>Incident page</h1>} />
    </Routes>,
    { route, me },
  );
}

let WS: typeof FakeWebSocket;
beforeEach(() => {
  WS = installFakeWebSocket();
});
afterEach(() => vi.unstubAllGlobals());

describe("IncidentsPage", () => {
  it("lists incidents with owner, tasks and SLA, breaches flagged", async () => {
    server();
    renderPage();
    const table = await screen.findByRole("table", { name: "Incidents, most recently updated first" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const first = rows[1] as HTMLElement;
    expect(within(first).getByRole("link", { name: "INC-0008 Ransomware note on FS-2" })).toHaveAttribute("href", "/incidents/i-8");
    expect(first).toHaveTextContent("ana@example.test");
    expect(first).toHaveTextContent("2/5 done · 1 blocked");
    expect(within(first).getByText(/Resolve overdue/)).toHaveClass("sla-breached");
    expect(within(rows[2] as HTMLElement).getByText("Me")).toBeInTheDocument();
  });

  it("filters in the URL and the query", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderPage();
    await screen.findByRole("table", { name: "Incidents, most recently updated first" });
    await user.selectOptions(screen.getByLabelText("Status"), "in_progress");
    await user.selectOptions(screen.getByLabelText("Owner"), "none");
    expect(location.search.toString()).toBe("status=in_progress&owner=none");
    await vi.waitFor(() => {
      const last = calls.filter((c) => c.url.startsWith("/api/v1/incidents?")).at(-1)?.url ?? "";
      expect(Object.fromEntries(new URL(last, "http://localhost").searchParams)).toEqual({ status: "in_progress", owner: "none", limit: "50" });
    });
  });

  it("accepts a proposed incident and opens it", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderPage();
    const panel = await screen.findByRole("region", { name: "Proposed incidents" });
    expect(panel).toHaveTextContent("2 alerts sharing host web-1");
    await user.click(within(panel).getByRole("button", { name: "Accept proposal: Activity on web-1" }));
    await vi.waitFor(() => expect(location.pathname).toBe("/incidents/i-9"));
    expect(calls.find((c) => c.url === "/api/v1/incidents/proposals/accept")?.body).toEqual({ alert_ids: ["a-1", "a-2"], title: "Activity on web-1" });
  });

  it("creates an incident with a playbook", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderPage();
    await user.click(await screen.findByRole("button", { name: "New incident" }));
    const dialog = screen.getByRole("dialog", { name: "New incident" });
    await user.type(within(dialog).getByLabelText("Title"), "Phishing wave");
    await user.selectOptions(within(dialog).getByLabelText("Severity"), "critical");
    await user.selectOptions(within(dialog).getByLabelText("Playbook"), await within(dialog).findByRole("option", { name: "Phishing response" }));
    await user.click(within(dialog).getByRole("button", { name: "Create incident" }));
    await vi.waitFor(() => expect(location.pathname).toBe("/incidents/i-10"));
    expect(calls.find((c) => c.method === "POST" && c.url === "/api/v1/incidents")?.body).toEqual({ title: "Phishing wave", severity: "critical", owner: "u-admin", playbook_id: "pb-phish" });
  });

  it("reads the list again when an incident changes elsewhere", async () => {
    const { calls } = server();
    renderPage();
    await screen.findByRole("table", { name: "Incidents, most recently updated first" });
    await vi.waitFor(() => expect(WS.instances.length).toBeGreaterThan(0));
    const ws = WS.latest();
    act(() => ws.open());
    expect(ws.sent).toEqual([{ type: "subscribe", channels: ["incidents"] }]);
    const before = calls.filter((c) => c.url.startsWith("/api/v1/incidents?")).length;
    act(() => ws.receive({ channel: "incidents", type: "incident_updated", data: { ...inc, status: "contained" } }));
    await vi.waitFor(() => expect(calls.filter((c) => c.url.startsWith("/api/v1/incidents?")).length).toBeGreaterThan(before));
  });

  it("refuses a role without incidents:read", () => {
    const { calls } = server();
    renderPage("/incidents", makeMe({ permissions: ["self", "alerts:read"] }));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Incidents");
    expect(calls).toHaveLength(0);
  });
});

describe("slaTimer", () => {
  const now = Date.parse("2026-11-23T10:10:00Z");
  const sla = { ack_due: "2026-11-23T10:15:00Z", resolve_due: "2026-11-23T12:00:00Z", ack_breached: false, resolve_breached: false };
  it("counts down to the acknowledgement, then to the resolution", () => {
    expect(slaTimer(sla, null, null, now)).toMatchObject({ label: "Ack in 5m", tone: "soon" });
    expect(slaTimer(sla, "2026-11-23T10:11:00Z", null, now)).toMatchObject({ label: "Resolve in 1h 50m", tone: "ok" });
    expect(slaTimer(sla, null, null, Date.parse("2026-11-23T10:20:00Z"))).toMatchObject({ label: "Ack overdue 5m", tone: "breached" });
  });
  it("says met or breached once resolved, and nothing without an SLA", () => {
    expect(slaTimer(sla, "x", "2026-11-23T11:00:00Z", now)).toMatchObject({ tone: "met" });
    expect(slaTimer({ ...sla, resolve_breached: true }, "x", "y", now)).toMatchObject({ tone: "breached" });
    expect(slaTimer(undefined, null, null, now)).toBeNull();
    expect(slaTimer({ ack_due: null, resolve_due: null, ack_breached: false, resolve_breached: false }, null, null, now)).toBeNull();
  });
});
