import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ResponseAction, TriageAlertDetail } from "../api/soc";
import { socMe, triageAlert } from "../incidents/testing";
import { makeAlertStats } from "../test/detection";
import { makeEvent } from "../test/events";
import { installFakeWebSocket } from "../test/fakeWebSocket";
import { json, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { AlertDetailPage } from "./AlertDetailPage";
import { AlertsPage } from "./AlertsPage";

const GROUPS = {
  items: [
    {
      id: "g-tier2",
      org_id: "o-1",
      name: "Tier 2",
      description: "",
      members: [{ id: "u-ana", email: "ana@example.test", name: "Ana", role: "senior_analyst" }],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    },
  ],
};
const USERS = {
  items: [{ id: "u-ana", org_id: "o-1", email: "ana@example.test", name: "Ana", role: "senior_analyst", disabled: false }],
  total: 1,
};

const brute = triageAlert({ id: "a-1" });
const ps = triageAlert({ id: "a-2", title: "PowerShell download cradle on WS-7", severity: "critical" });

/** Answers what every SOC page asks for (groups, users, stats); `more` answers the rest first. */
function server(more: (call: Call, url: URL) => Response | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const r = more(call, url);
    if (r) return r;
    if (url.pathname === "/api/v1/groups") return json(200, GROUPS);
    if (url.pathname === "/api/v1/users") return json(200, USERS);
    if (url.pathname === "/api/v1/alerts/stats") return json(200, makeAlertStats({ total: 2, open: 2 }));
    return json(404, { error: { code: "not_found", message: `no ${url.pathname}` } });
  });
}

beforeEach(() => {
  installFakeWebSocket();
  window.scrollTo = () => {};
});
afterEach(() => vi.unstubAllGlobals());

describe("the queue's triage", () => {
  it("acts on a selection in one request and names the alerts that failed", async () => {
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute, ps], total: 2, next_cursor: "" });
      if (url.pathname === "/api/v1/alerts/bulk") return json(200, { updated: 1, failed: [{ id: "a-2", error: "alert is already closed" }] });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    await user.click(await screen.findByLabelText("Select SSH brute force from 81.2.69.142"));
    await user.click(screen.getByLabelText("Select PowerShell download cradle on WS-7"));
    const bar = screen.getByRole("region", { name: "Bulk actions" });
    expect(bar).toHaveTextContent("2 alerts selected");
    await user.click(within(bar).getByRole("button", { name: "Acknowledge" }));
    const result = await screen.findByRole("region", { name: "Bulk action result" });
    await vi.waitFor(() => expect(within(result).getByRole("status")).toHaveTextContent("Acknowledged: 1 updated, 1 failed."));
    expect(within(within(result).getByRole("list", { name: "Alerts that failed" })).getByRole("listitem")).toHaveTextContent("PowerShell download cradle on WS-7: alert is already closed");
    expect(calls.find((c) => c.url === "/api/v1/alerts/bulk")?.body).toEqual({ action: "acknowledge", ids: ["a-1", "a-2"] });
  });

  it("keeps the result of a bulk action until it is dismissed", async () => {
    server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute, ps], total: 2, next_cursor: "" });
      if (url.pathname === "/api/v1/alerts/bulk") return json(200, { matched: 2, updated: 2, failed: [] });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    await user.click(await screen.findByLabelText("Select all shown alerts"));
    await user.click(within(screen.getByRole("region", { name: "Bulk actions" })).getByRole("button", { name: "Acknowledge" }));
    // All succeeded: the selection (and its bar) goes, the result stays.
    const result = await screen.findByRole("region", { name: "Bulk action result" });
    await vi.waitFor(() => expect(screen.queryByRole("region", { name: "Bulk actions" })).not.toBeInTheDocument());
    expect(result).toHaveTextContent("Acknowledged: 2 updated.");
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByRole("region", { name: "Bulk action result" })).toBeInTheDocument();
    await user.click(within(result).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("region", { name: "Bulk action result" })).not.toBeInTheDocument();
  });

  it("ranges over when alerts were raised by default, or when last seen", async () => {
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute], total: 1, next_cursor: "" });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    const field = await screen.findByRole("combobox", { name: "Time range of" });
    expect(field).toHaveValue("created");
    const lists = () => calls.filter((c) => c.url.startsWith("/api/v1/alerts?") || c.url === "/api/v1/alerts").map((c) => new URL(c.url, "http://localhost").searchParams);
    await user.click(within(screen.getByRole("group", { name: "Raised within" })).getByRole("button", { name: "24 h" }));
    await vi.waitFor(() => expect(lists().at(-1)?.get("time_field")).toBe("created"));
    await user.selectOptions(field, "last_seen");
    await vi.waitFor(() => expect(lists().at(-1)?.get("time_field")).toBe("last_seen"));
    expect(screen.getByRole("group", { name: "Last seen within" })).toBeInTheDocument();
    await user.selectOptions(screen.getByRole("combobox", { name: "Sort by" }), "created");
    await vi.waitFor(() => expect(lists().at(-1)?.get("sort")).toBe("created"));
  });

  it("selects all the alerts matching the filter, past the page, and acts on the filter", async () => {
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute, ps], total: 240, next_cursor: "c1" });
      if (url.pathname === "/api/v1/alerts/bulk") return json(200, { matched: 240, updated: 240, failed: [] });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts?status=new&range=24h&sev=critical", me: socMe() });
    await user.click(await screen.findByLabelText("Select all shown alerts"));
    expect(screen.getByText(/All 2 alerts on this page are selected/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Select all 240 alerts matching this filter" }));
    const bar = screen.getByRole("region", { name: "Bulk actions" });
    expect(bar).toHaveTextContent("All 240 alerts matching this filter selected");
    expect(screen.getByText(/All 240 alerts matching this filter are selected/)).toBeInTheDocument();
    await user.click(within(bar).getByRole("button", { name: "Set status…" }));
    const dialog = screen.getByRole("dialog", { name: "Set the status of all 240 alerts matching this filter" });
    await user.selectOptions(within(dialog).getByLabelText("New status"), "in_progress");
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    await screen.findByRole("region", { name: "Bulk action result" });
    const body = calls.find((c) => c.url === "/api/v1/alerts/bulk")?.body as { filter: Record<string, string>; ids?: string[] };
    expect(body.ids).toBeUndefined();
    expect(body).toMatchObject({ action: "status", status: "in_progress" });
    expect(body.filter).toMatchObject({ status: "new", severity: "critical", time_field: "created" });
    expect(body.filter.from).toMatch(/^\d{4}-/);
    expect(screen.getByRole("region", { name: "Bulk action result" })).toHaveTextContent("Status set: 240 updated.");
    // Unticking one alert goes back to a page selection.
    await user.click(await screen.findByLabelText("Select all shown alerts"));
    await user.click(screen.getByRole("button", { name: "Select all 240 alerts matching this filter" }));
    await user.click(screen.getByLabelText("Select SSH brute force from 81.2.69.142"));
    expect(screen.getByRole("region", { name: "Bulk actions" })).toHaveTextContent("1 alert selected");
  });

  it("sets a status with a verdict and escalates a selection to a group", async () => {
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute, ps], total: 2, next_cursor: "" });
      if (url.pathname === "/api/v1/alerts/bulk") return json(200, { updated: 2, failed: [] });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    await user.click(await screen.findByLabelText("Select all shown alerts"));
    const bar = screen.getByRole("region", { name: "Bulk actions" });
    await user.click(within(bar).getByRole("button", { name: "Set status…" }));
    let dialog = screen.getByRole("dialog", { name: "Set the status of 2 alerts" });
    await user.selectOptions(within(dialog).getByLabelText("New status"), "closed");
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    expect(within(dialog).getByText("Choose a verdict.")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("radio", { name: "False positive" }));
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.filter((c) => c.url === "/api/v1/alerts/bulk").at(-1)?.body).toEqual({ action: "status", status: "closed", verdict: "false_positive", ids: ["a-1", "a-2"] });

    await user.click(await screen.findByLabelText("Select all shown alerts"));
    await user.click(within(screen.getByRole("region", { name: "Bulk actions" })).getByRole("button", { name: "Escalate…" }));
    dialog = screen.getByRole("dialog", { name: "Escalate 2 alerts" });
    await user.selectOptions(await within(dialog).findByRole("combobox", { name: "Work group" }), "g-tier2");
    await user.type(within(dialog).getByLabelText("Reason"), "Needs Tier 2");
    await user.click(within(dialog).getByRole("button", { name: "Escalate" }));
    await vi.waitFor(() => expect(calls.filter((c) => c.url === "/api/v1/alerts/bulk")).toHaveLength(2));
    expect(calls.filter((c) => c.url === "/api/v1/alerts/bulk").at(-1)?.body).toEqual({ action: "escalate", reason: "Needs Tier 2", assignee_group: "g-tier2", ids: ["a-1", "a-2"] });
  });

  it("asks a verdict before resolving from the row", async () => {
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [brute], total: 1, next_cursor: "" });
      if (call.method === "PATCH") return json(200, { ...brute, ...(call.body as object) });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    const select = await screen.findByRole("combobox", { name: "Status of SSH brute force from 81.2.69.142" });
    await user.selectOptions(select, "resolved");
    const dialog = screen.getByRole("dialog", { name: "Resolve “SSH brute force from 81.2.69.142”" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
    expect(select).toHaveValue("new");
    await user.selectOptions(select, "resolved");
    await user.click(within(screen.getByRole("dialog")).getByRole("radio", { name: "Benign (true but expected)" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Resolve" }));
    await vi.waitFor(() => expect(select).toHaveValue("resolved"));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "resolved", verdict: "benign" });
  });

  it("shows a reopened alert as the server answers it: new, without the old verdict", async () => {
    const closed = triageAlert({ id: "a-1", status: "closed", verdict: "false_positive", acknowledged_at: "2026-11-23T10:05:00Z", resolved_at: "2026-11-23T10:30:00Z" });
    const { calls } = server((call, url) => {
      if (url.pathname === "/api/v1/alerts" && call.method === "GET") return json(200, { alerts: [closed], total: 1, next_cursor: "" });
      // The API clears the verdict and both times when an alert goes back to new.
      if (call.method === "PATCH") return json(200, { ...closed, status: "new", verdict: "", acknowledged_at: null, resolved_at: null });
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    const select = await screen.findByRole("combobox", { name: "Status of SSH brute force from 81.2.69.142" });
    const row = select.closest("tr") as HTMLElement;
    expect(within(row).getByText("False positive")).toBeInTheDocument();
    await user.selectOptions(select, "new");
    await vi.waitFor(() => expect(select).toHaveValue("new"));
    await vi.waitFor(() => expect(within(row).queryByText("False positive")).not.toBeInTheDocument());
    expect(row).not.toHaveClass("row-muted");
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "new" });
  });

  it("filters by assignee, group, verdict and sort, in the URL and the query", async () => {
    const { calls } = server((_call, url) => (url.pathname === "/api/v1/alerts" ? json(200, { alerts: [brute], total: 1, next_cursor: "" }) : undefined));
    const user = userEvent.setup();
    const { location } = renderWithProviders(<AlertsPage />, { route: "/alerts", me: socMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    await user.selectOptions(screen.getByLabelText("Assignee"), "me");
    await user.selectOptions(screen.getByLabelText("Work group"), await screen.findByRole("option", { name: "Tier 2" }));
    await user.selectOptions(screen.getByLabelText("Verdict"), "true_positive");
    await user.selectOptions(screen.getByLabelText("Sort by"), "severity");
    expect(location.search.toString()).toBe("assignee=me&group=g-tier2&verdict=true_positive&sort=severity");
    await vi.waitFor(() => {
      const last = new URL(calls.filter((c) => c.url.startsWith("/api/v1/alerts?")).at(-1)?.url ?? "", "http://localhost").searchParams;
      expect(Object.fromEntries(last)).toEqual({ assignee: "me", group: "g-tier2", verdict: "true_positive", sort: "severity", limit: "50" });
    });
  });
});

const detail: TriageAlertDetail = {
  ...triageAlert({ id: "a-1" }),
  events: [makeEvent({ id: "e-1", "@timestamp": "2026-11-23T10:00:00Z", message: "Failed password" })],
  notes: 0,
  actions: [],
};

/** Opens the alert, resolves it as a false positive and ticks "Create a rule exception"; returns the dialog. */
async function openExceptionDialog(user: ReturnType<typeof userEvent.setup>) {
  renderDetail();
  await user.click(await screen.findByRole("button", { name: "Resolve" }));
  const dialog = screen.getByRole("dialog");
  await user.click(within(dialog).getByRole("radio", { name: "False positive" }));
  await user.click(within(dialog).getByRole("checkbox", { name: /Create a rule exception/ }));
  return dialog;
}

function renderDetail(me = socMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/alerts/:id" element={<AlertDetailPage />} />
    </Routes>,
    { route: "/alerts/a-1", me },
  );
}

describe("the alert's page", () => {
  function detailServer(extra?: (call: Call, url: URL) => Response | undefined) {
    let current: TriageAlertDetail = detail;
    const actions: ResponseAction[] = [];
    const res = server((call, url) => {
      const r = extra?.(call, url);
      if (r) return r;
      if (url.pathname === "/api/v1/alerts/a-1" && call.method === "GET") return json(200, current);
      if (url.pathname === "/api/v1/alerts/a-1" && call.method === "PATCH") {
        current = { ...current, ...(call.body as object) } as TriageAlertDetail;
        return json(200, current);
      }
      if (url.pathname === "/api/v1/alerts/a-1/escalate") {
        const b = call.body as { to_group: string; reason: string };
        current = { ...current, status: "escalated", escalation: { to_user: "", to_user_email: "", to_group: b.to_group, to_group_name: "Tier 2", reason: b.reason, by: "u-admin", by_email: "admin@example.test", at: "2026-11-23T10:10:00Z" } };
        return json(200, current);
      }
      if (url.pathname === "/api/v1/alerts/a-1" && call.method === "DELETE") {
        current = { ...current, deleted_at: "2026-11-23T11:00:00Z" };
        return new Response(null, { status: 204 });
      }
      if (url.pathname === "/api/v1/alerts/a-1/restore") {
        current = { ...current, deleted_at: null };
        return json(200, current);
      }
      if (url.pathname === "/api/v1/alerts/a-1/history")
        return json(200, { history: [{ at: "2026-11-23T10:01:00Z", actor: "u-admin", actor_email: "admin@example.test", action: "acknowledged", detail: "" }] });
      if (url.pathname === "/api/v1/alerts/a-1/related")
        return json(200, { related: [{ alert: triageAlert({ id: "a-9", title: "New admin account on web-1" }), shared: [{ kind: "host", value: "web-1" }] }] });
      if (url.pathname === "/api/v1/response/actions" && call.method === "GET") return json(200, { actions });
      if (url.pathname === "/api/v1/response/actions" && call.method === "POST") {
        const b = call.body as { type: ResponseAction["type"]; target: string; reason: string };
        const a: ResponseAction = { id: "ra-1", ...b, params: {}, alert_id: "a-1", incident_id: "", status: "queued", result: "", actor: "u-admin", actor_email: "admin@example.test", created_at: "2026-11-23T10:20:00Z", updated_at: "2026-11-23T10:20:00Z" };
        actions.push(a);
        return json(201, a);
      }
      if (url.pathname === "/api/v1/notes") return json(200, { notes: [] });
      return undefined;
    });
    return res;
  }

  it("reopens a closed alert: New, no verdict, neither acknowledged nor resolved", async () => {
    let current: TriageAlertDetail = { ...detail, status: "closed", verdict: "false_positive", acknowledged_at: "2026-11-23T10:05:00Z", resolved_at: "2026-11-23T10:30:00Z" };
    const { calls } = detailServer((call, url) => {
      if (url.pathname !== "/api/v1/alerts/a-1") return undefined;
      if (call.method === "GET") return json(200, current);
      if (call.method === "PATCH") {
        // As the API answers a reopening: the verdict and both times cleared.
        current = { ...current, status: "new", verdict: "", acknowledged_at: null, resolved_at: null };
        return json(200, current);
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderDetail();
    const about = await screen.findByRole("region", { name: "About" });
    const fact = (name: string) => within(about).getByText(name, { selector: "dt" }).nextElementSibling as HTMLElement;
    expect(fact("Verdict")).toHaveTextContent("False positive");
    // The line under the title: status, verdict, SLA, last seen.
    const meta = screen.getByRole("heading", { level: 1 }).nextElementSibling as HTMLElement;
    expect(within(meta).getByText("False positive")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Reopen" }));
    await vi.waitFor(() => expect(within(meta).getByText("New", { selector: ".status-badge" })).toBeInTheDocument());
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "new" });
    expect(within(meta).queryByText("False positive")).not.toBeInTheDocument();
    expect(fact("Verdict")).toHaveTextContent("not yet");
    expect(fact("Acknowledged")).toHaveTextContent("not yet");
    expect(fact("Resolved")).toHaveTextContent("not yet");
    expect(screen.getByRole("button", { name: "Acknowledge" })).toBeInTheDocument();
  });

  it("writes the zone of every time that stands alone", async () => {
    vi.spyOn(Date.prototype, "getTimezoneOffset").mockReturnValue(300);
    detailServer();
    renderDetail();
    const about = await screen.findByRole("region", { name: "About" });
    for (const name of ["First seen", "Last seen"]) {
      const time = within(about).getByText(name, { selector: "dt" }).nextElementSibling?.querySelector("time");
      expect(time).toHaveTextContent(/UTC-05:00$/);
      expect(time?.getAttribute("title")).toMatch(/\n2026-11-23 \d\d:\d\d:00 UTC$/);
    }
    expect(screen.getByText(/^Last seen/, { selector: ".rule-meta-line .muted" })).toHaveTextContent(/UTC-05:00$/);
    const history = await screen.findByRole("list", { name: "What was done, oldest first" });
    expect(within(history).getByRole("listitem")).toHaveTextContent(/UTC-05:00 admin@example.test acknowledged/);
  });

  it("offers a rule exception prefilled from the alert when resolving as a false positive", async () => {
    const { calls } = detailServer();
    const user = userEvent.setup();
    const dialog = await openExceptionDialog(user);
    expect(within(dialog).getByLabelText("Exception field")).toHaveValue("source.ip");
    expect(within(dialog).getByLabelText("Exception operator")).toHaveValue("equals");
    expect(within(dialog).getByLabelText("Exception value")).toHaveValue("81.2.69.142");
    await user.type(within(dialog).getByLabelText("Exception reason"), "Our vulnerability scanner");
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
      status: "resolved",
      verdict: "false_positive",
      create_exception: { conditions: [{ field: "source.ip", operator: "equals", value: "81.2.69.142" }], reason: "Our vulnerability scanner" },
    }));
  });

  it("makes a rule exception of two conditions while resolving, and shows the server's warnings", async () => {
    const { calls } = detailServer((call, url) => {
      if (url.pathname === "/api/v1/alerts/a-1" && call.method === "PATCH")
        return json(200, { ...detail, status: "resolved", verdict: "false_positive", exception_warnings: ['create_exception.conditions[1].field: "usr.name" is not a field EventSec\'s events have; did you mean user.name?'] });
      return undefined;
    });
    const user = userEvent.setup();
    const dialog = await openExceptionDialog(user);
    await user.click(within(dialog).getByRole("button", { name: "Add condition" }));
    const second = within(dialog).getByRole("group", { name: "Condition 2" });
    // An empty condition is caught before anything is sent.
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    expect(within(second).getByLabelText("Exception field")).toHaveAccessibleDescription(/Name the event field/);
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    await user.type(within(second).getByLabelText("Exception field"), "usr.name");
    await user.selectOptions(within(second).getByLabelText("Exception operator"), "in");
    await user.type(within(second).getByLabelText("Exception values"), "scanner{Enter}scanner2");
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
        status: "resolved",
        verdict: "false_positive",
        create_exception: {
          conditions: [
            { field: "source.ip", operator: "equals", value: "81.2.69.142" },
            { field: "usr.name", operator: "in", values: ["scanner", "scanner2"] },
          ],
          reason: "False positive",
        },
      }),
    );
    const warned = await within(screen.getByRole("dialog")).findByRole("status", { name: "Exception warnings" });
    expect(warned).toHaveTextContent("did you mean user.name?");
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("names the condition the server refused in the resolve dialog", async () => {
    detailServer((call, url) => {
      if (url.pathname === "/api/v1/alerts/a-1" && call.method === "PATCH")
        return json(400, { error: { code: "validation_failed", field: "create_exception.conditions[0].value", message: 'conditions[0].value: "(" is not a regular expression (RE2 syntax): missing closing )' } });
      return undefined;
    });
    const user = userEvent.setup();
    const dialog = await openExceptionDialog(user);
    await user.selectOptions(within(dialog).getByLabelText("Exception operator"), "regex");
    await user.clear(within(dialog).getByLabelText("Exception value"));
    await user.type(within(dialog).getByLabelText("Exception value"), "(");
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    await vi.waitFor(() => expect(within(dialog).getByLabelText("Exception value")).toHaveAccessibleDescription(/is not a regular expression/));
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("escalates to a work group with a reason, and shows to whom", async () => {
    const { calls } = detailServer();
    const user = userEvent.setup();
    renderDetail();
    await user.click(await screen.findByRole("button", { name: "Escalate…" }));
    const dialog = screen.getByRole("dialog", { name: "Escalate “SSH brute force from 81.2.69.142”" });
    await user.click(within(dialog).getByRole("button", { name: "Escalate" }));
    expect(within(dialog).getByRole("alert")).toHaveTextContent("Choose the work group to escalate to.");
    await user.selectOptions(await within(dialog).findByRole("combobox", { name: "Work group" }), await within(dialog).findByRole("option", { name: "Tier 2" }));
    await user.type(within(dialog).getByLabelText("Reason"), "Successful login after the failures");
    await user.click(within(dialog).getByRole("button", { name: "Escalate" }));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.find((c) => c.url === "/api/v1/alerts/a-1/escalate")?.body).toEqual({ to_group: "g-tier2", reason: "Successful login after the failures" });
    expect(within(screen.getByRole("region", { name: "About" })).getByText("Tier 2")).toBeInTheDocument();
  });

  it("blocks an IP after a confirmation naming the target and the consequence, then shows the action's state", async () => {
    const { calls } = detailServer();
    const user = userEvent.setup();
    renderDetail();
    const group = await screen.findByRole("group", { name: "Containment actions" });
    expect(within(group).getAllByRole("button").map((b) => b.textContent)).toEqual(["Block IP 81.2.69.142", "Isolate host web-1", "Disable user root", "Other action…"]);
    await user.click(within(group).getByRole("button", { name: "Block IP 81.2.69.142" }));
    const dialog = screen.getByRole("dialog", { name: "Block IP 81.2.69.142?" });
    expect(dialog).toHaveTextContent("Connections to and from 81.2.69.142 will be blocked");
    await user.click(within(dialog).getByRole("button", { name: "Block IP" }));
    expect(within(dialog).getByRole("alert")).toHaveTextContent("Give a reason");
    await user.type(within(dialog).getByLabelText("Reason"), "Brute force source");
    await user.click(within(dialog).getByRole("button", { name: "Block IP" }));
    expect(await within(screen.getByRole("dialog")).findByRole("status")).toHaveTextContent("State: Queued: waiting for the endpoint's agent");
    expect(calls.find((c) => c.url === "/api/v1/response/actions" && c.method === "POST")?.body).toEqual({ type: "block_ip", target: "81.2.69.142", reason: "Brute force source", alert_id: "a-1" });
    await user.click(within(screen.getByRole("dialog")).getAllByRole("button", { name: "Close" }).at(-1) as HTMLElement);
    const log = await screen.findByRole("table", { name: "Response actions log" });
    expect(within(log).getByText("81.2.69.142")).toBeInTheDocument();
  });

  it("hides containment from an analyst (no response:execute)", async () => {
    detailServer();
    renderDetail(socMe("analyst"));
    expect(await screen.findByText(/Containment actions need a senior analyst/)).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: "Containment actions" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete…" })).not.toBeInTheDocument();
  });

  it("shows the related alerts and the history", async () => {
    detailServer();
    renderDetail();
    const related = await screen.findByRole("region", { name: "Related alerts" });
    expect(await within(related).findByRole("link", { name: "New admin account on web-1" })).toHaveAttribute("href", "/alerts/a-9");
    expect(related).toHaveTextContent("shares host web-1");
    const history = screen.getByRole("region", { name: "History" });
    expect(await within(history).findByText("admin@example.test")).toBeInTheDocument();
    expect(history).toHaveTextContent("acknowledged");
  });

  it("deletes into the trash and restores", async () => {
    const { calls } = detailServer();
    const user = userEvent.setup();
    renderDetail();
    await user.click(await screen.findByRole("button", { name: "Delete…" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete alert" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    const banner = await screen.findByText(/This alert is in the trash since/);
    await user.click(within(banner).getByRole("button", { name: "Restore" }));
    await vi.waitFor(() => expect(screen.queryByText(/This alert is in the trash since/)).not.toBeInTheDocument());
    expect(calls.some((c) => c.url === "/api/v1/alerts/a-1/restore")).toBe(true);
  });
});

