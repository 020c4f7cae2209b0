import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Alert, AlertList } from "../api/detection";
import { makeAlert, makeAlertStats, makeRule, makeRuleList } from "../test/detection";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { zoneLabel } from "../components/timezone";
import { AlertsPage } from "./AlertsPage";

const brute = makeAlert({ id: "a-1" });
const ps = makeAlert({
  id: "a-2",
  rule_id: "r-ps",
  rule_title: "PowerShell download cradle",
  title: "PowerShell download cradle on WS-7",
  severity: "critical",
  status: "acknowledged",
  count: 1,
  entities: { hosts: ["WS-7"], users: ["bob"], ips: [], processes: ["powershell.exe"], files: [], domains: [] },
  tactics: [{ id: "TA0002", name: "Execution", shortname: "execution" }],
  last_seen: "2026-11-23T09:00:00Z",
});

const stats = makeAlertStats({
  total: 7,
  open: 5,
  by_severity: { critical: 1, high: 4, medium: 2 },
  by_status: { new: 4, acknowledged: 1, resolved: 2 },
  top_rules: [
    { rule_id: "r-1", title: "SSH brute force", count: 4 },
    { rule_id: "r-ps", title: "PowerShell download cradle", count: 1 },
  ],
});

// More rules than the stats' top ten: the picker searches them all.
const allRules = [
  makeRule({ id: "r-ps", title: "PowerShell download cradle", stats: { matches: 1, alerts: 1, eval_ns_per_event: 0, eval_samples: 0, last_match_at: null } }),
  makeRule({ id: "r-1", title: "SSH brute force", stats: { matches: 9, alerts: 4, eval_ns_per_event: 0, eval_samples: 0, last_match_at: null } }),
  makeRule({ id: "r-quiet", title: "Remote Thread Creation In Uncommon Target Image", enabled: false }),
];

function page(alerts: Alert[], extra: Partial<AlertList> = {}): AlertList {
  return { alerts, total: alerts.length, next_cursor: "", ...extra };
}

function server(list: (url: URL) => AlertList = () => page([brute, ps]), more?: (call: Call, url: URL) => Response | Promise<Response> | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const other = more?.(call, url);
    if (other) return other;
    if (url.pathname === "/api/v1/alerts/stats") return json(200, stats);
    if (url.pathname === "/api/v1/alerts") return json(200, list(url));
    if (url.pathname === "/api/v1/me") return json(200, makeMe());
    if (url.pathname === "/api/v1/rules") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      return json(200, makeRuleList(allRules.filter((r) => r.title.toLowerCase().includes(q))));
    }
    return json(404, { error: { code: "not_found", message: "no such thing" } });
  });
}

const lists = (calls: Call[]) => calls.filter((c) => c.url.startsWith("/api/v1/alerts?") || c.url === "/api/v1/alerts").map((c) => new URL(c.url, "http://localhost").searchParams);

function titles(): string[] {
  const table = screen.getByRole("table", { name: "Alerts, newest activity first" });
  return within(table)
    .getAllByRole("link")
    .map((a) => a.textContent ?? "");
}

function scrollTo(y: number) {
  Object.defineProperty(window, "scrollY", { value: y, configurable: true });
  fireEvent.scroll(window);
}

let WS: typeof FakeWebSocket;

beforeEach(() => {
  WS = installFakeWebSocket();
  window.scrollTo = () => {};
});

afterEach(() => {
  vi.unstubAllGlobals();
  Object.defineProperty(window, "scrollY", { value: 0, configurable: true });
});

async function openSocket() {
  await vi.waitFor(() => expect(WS.instances.length).toBeGreaterThan(0));
  const ws = WS.latest();
  act(() => ws.open());
  expect(ws.sent).toEqual([{ type: "subscribe", channels: ["alerts"] }]);
  return ws;
}

describe("AlertsPage", () => {
  it("lists the alerts, newest first, with the counts by severity on top", async () => {
    server();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Alerts, newest activity first" });
    // Times are the reader's: the column names the zone.
    expect(within(table).getByRole("columnheader", { name: `Last seen (${zoneLabel()})` })).toBeInTheDocument();
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const first = rows[1] as HTMLElement;
    expect(within(first).getByRole("link", { name: "SSH brute force from 81.2.69.142" })).toHaveAttribute("href", "/alerts/a-1");
    expect(within(first).getByText("High")).toBeInTheDocument();
    expect(within(first).getByText("81.2.69.142")).toBeInTheDocument();
    expect(within(first).getByText("×5")).toBeInTheDocument();
    expect(within(first).getByText(/Credential Access/)).toBeInTheDocument();
    expect(within(first).getByRole("combobox", { name: "Status of SSH brute force from 81.2.69.142" })).toHaveValue("new");
    const counts = screen.getByRole("group", { name: "Alerts by severity (click to filter)" });
    await vi.waitFor(() => expect(within(counts).getByRole("button", { name: /Open/ })).toHaveTextContent("Open5of 7"));
    expect(within(counts).getByRole("button", { name: /Critical/ })).toHaveTextContent("1");
    expect(within(counts).getByRole("button", { name: /High/ })).toHaveTextContent("4");
    expect(within(counts).getByRole("button", { name: /Low/ })).toHaveTextContent("0");
  });

  it("picks the rule from a search over all rules, not only those with most alerts", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    const box = screen.getByRole("combobox", { name: "Rule" });
    expect(box).toHaveAttribute("placeholder", "All rules");
    await user.click(box);
    const list = await screen.findByRole("listbox", { name: "Rules" });
    await within(list).findByRole("option", { name: /^SSH brute force4 alerts$/ });
    expect(within(list).getAllByRole("option")[0]).toHaveTextContent("All rules");
    await user.type(box, "remote thread");
    await vi.waitFor(() => expect(within(list).getAllByRole("option").map((o) => o.textContent)).toEqual(["Remote Thread Creation In Uncommon Target Image3 alerts · disabled"]));
    const asked = calls.filter((c) => c.url.startsWith("/api/v1/rules?")).map((c) => new URL(c.url, "http://localhost").searchParams);
    expect(asked.at(-1)?.get("q")).toBe("remote thread");
    expect(asked.at(-1)?.get("sort")).toBe("alerts");
    await user.keyboard("{Enter}");
    expect(location.search.get("rule")).toBe("r-quiet");
    expect(screen.queryByRole("listbox")).not.toBeInTheDocument();
    await vi.waitFor(() => expect(lists(calls).at(-1)?.get("rule")).toBe("r-quiet"));
    await user.click(screen.getByRole("button", { name: "Show alerts of all rules" }));
    expect(location.search.get("rule")).toBeNull();
  });

  it("offers the rules with most alerts to a reader who cannot list rules", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<AlertsPage />, { route: "/alerts", me: { ...makeMe(), permissions: makeMe().permissions.filter((p) => p !== "rules:read") } });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    const select = screen.getByRole("combobox", { name: "Rule" });
    await vi.waitFor(() => expect(within(select).getAllByRole("option")).toHaveLength(3));
    await user.selectOptions(select, "r-ps");
    expect(location.search.get("rule")).toBe("r-ps");
  });

  it("filters by status, severity, rule, text and range, in the URL and the query", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    expect(lists(calls)[0]?.toString()).toBe("limit=50");

    await user.click(screen.getByRole("checkbox", { name: "Acknowledged" }));
    await user.click(screen.getByRole("checkbox", { name: "New" }));
    expect(location.search.get("status")).toBe("new,acknowledged");
    const counts = screen.getByRole("group", { name: "Alerts by severity (click to filter)" });
    await user.click(within(counts).getByRole("button", { name: /Critical/ }));
    await user.click(within(counts).getByRole("button", { name: /High/ }));
    expect(location.search.get("sev")).toBe("high,critical");
    expect(within(counts).getByRole("button", { name: /High/ })).toHaveAttribute("aria-pressed", "true");
    await user.click(screen.getByRole("combobox", { name: "Rule" }));
    await user.click(await screen.findByRole("option", { name: /^PowerShell download cradle/ }));
    expect(location.search.get("rule")).toBe("r-ps");
    expect(screen.getByRole("combobox", { name: "Rule" })).toHaveValue("PowerShell download cradle");
    await user.click(screen.getByRole("button", { name: "7 d" }));
    expect(location.search.get("range")).toBe("7d");
    await user.type(screen.getByRole("searchbox", { name: "Search alerts" }), "WS-7{Enter}");
    expect(location.search.get("q")).toBe("WS-7");

    await vi.waitFor(() => {
      const last = lists(calls).at(-1);
      expect(last?.get("status")).toBe("new,acknowledged");
      expect(last?.get("severity")).toBe("high,critical");
      expect(last?.get("rule")).toBe("r-ps");
      expect(last?.get("q")).toBe("WS-7");
    });
    const from = Date.parse(lists(calls).at(-1)?.get("from") ?? "");
    expect(Date.now() - from).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(Date.now() - from).toBeLessThan(7 * 86400_000 + 60_000);
    // The counts describe the queue as filtered: the same filters, no page or order.
    await vi.waitFor(() => {
      const statsCall = calls.filter((c) => c.url.startsWith("/api/v1/alerts/stats")).at(-1);
      const sp = new URL(statsCall?.url ?? "", "http://localhost").searchParams;
      expect(sp.get("from")).toBe(lists(calls).at(-1)?.get("from"));
      expect(sp.get("q")).toBe("WS-7");
      expect(sp.get("status")).toBe("new,acknowledged");
      expect(sp.get("severity")).toBe("high,critical");
      expect(sp.get("limit")).toBeNull();
    });

    await user.click(within(counts).getByRole("button", { name: /Open/ }));
    expect(location.search.get("status")).toBe("new,acknowledged,in_progress,escalated");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(location.search.toString()).toBe("");
  });

  it("keeps the last rows on screen, dimmed, until a new filter's rows arrive", async () => {
    let answer: (r: Response) => void = () => {};
    server(undefined, (_call, url) => {
      if (url.pathname !== "/api/v1/alerts" || url.searchParams.get("severity") !== "critical") return undefined;
      // The filtered list answers when the test says so.
      return new Promise<Response>((resolve) => (answer = resolve));
    });
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Alerts, newest activity first" });
    const counts = screen.getByRole("group", { name: "Alerts by severity (click to filter)" });
    await user.click(within(counts).getByRole("button", { name: /Critical/ }));
    expect(screen.getByRole("table", { name: "Alerts, newest activity first" })).toHaveAttribute("aria-busy", "true");
    expect(titles()).toEqual(["SSH brute force from 81.2.69.142", "PowerShell download cradle on WS-7"]);
    expect(screen.getByText("Loading alerts…")).toBeInTheDocument();
    act(() => answer(json(200, page([ps]))));
    await vi.waitFor(() => expect(titles()).toEqual(["PowerShell download cradle on WS-7"]));
    expect(table).not.toHaveAttribute("aria-busy");
  });

  it("puts a new alert on top at once when the reader is at the top of an unfiltered queue", async () => {
    server();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    const ws = await openSocket();
    expect(screen.getByText("Live")).toBeInTheDocument();
    const fresh = makeAlert({ id: "a-9", title: "Fresh alert", last_seen: "2026-11-23T10:05:00Z" });
    act(() => ws.receive({ channel: "alerts", type: "alert", data: fresh }));
    expect(titles()[0]).toBe("Fresh alert");
    expect(screen.getByRole("link", { name: "Fresh alert" }).closest("tr")).toHaveClass("row-fresh");
    expect(screen.getByText("Showing 3 of 3")).toBeInTheDocument();
    // A repeat folded into an alert updates its row in place.
    act(() => ws.receive({ channel: "alerts", type: "alert_updated", data: { ...brute, count: 9 } }));
    const row = screen.getByRole("link", { name: "SSH brute force from 81.2.69.142" }).closest("tr") as HTMLElement;
    expect(within(row).getByText("×9")).toBeInTheDocument();
    expect(titles()).toEqual(["Fresh alert", "SSH brute force from 81.2.69.142", "PowerShell download cradle on WS-7"]);
  });

  it("holds new alerts behind a pill while the reader has scrolled down", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    const ws = await openSocket();
    act(() => scrollTo(800));
    act(() => {
      ws.receive({ channel: "alerts", type: "alert", data: makeAlert({ id: "a-8", title: "Held one" }) });
      ws.receive({ channel: "alerts", type: "alert", data: makeAlert({ id: "a-9", title: "Held two" }) });
    });
    expect(screen.queryByRole("link", { name: "Held one" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "2 new alerts · show" }));
    expect(titles().slice(0, 2)).toEqual(["Held two", "Held one"]);
    expect(screen.queryByRole("button", { name: /new alert/ })).not.toBeInTheDocument();
  });

  it("counts only new alerts that pass the filters, and asks the server again when only it can tell", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts?sev=critical", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    let ws = await openSocket();
    act(() => {
      ws.receive({ channel: "alerts", type: "alert", data: makeAlert({ id: "a-7", severity: "low", title: "Not shown" }) });
      ws.receive({ channel: "alerts", type: "alert", data: makeAlert({ id: "a-8", severity: "critical", title: "Critical one" }) });
    });
    await user.click(screen.getByRole("button", { name: "1 new alert · show" }));
    expect(titles()[0]).toBe("Critical one");

    // With free text, only the server knows.
    await user.type(screen.getByRole("searchbox", { name: "Search alerts" }), "web{Enter}");
    ws = WS.latest();
    if (ws.readyState !== 1) act(() => ws.open());
    act(() => ws.receive({ channel: "alerts", type: "alert", data: makeAlert({ id: "a-6", severity: "critical", title: "Maybe" }) }));
    const before = lists(calls).length;
    await user.click(screen.getByRole("button", { name: "1 new alert · refresh" }));
    await vi.waitFor(() => expect(lists(calls).length).toBeGreaterThan(before));
    expect(lists(calls).at(-1)?.get("q")).toBe("web");
  });

  it("changes an alert's status from its row (PATCH)", async () => {
    const { calls } = server(undefined, (call, url) =>
      call.method === "PATCH" && url.pathname === "/api/v1/alerts/a-1" ? json(200, { ...brute, status: (call.body as { status: string }).status }) : undefined,
    );
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    const select = await screen.findByRole("combobox", { name: "Status of SSH brute force from 81.2.69.142" });
    await user.selectOptions(select, "in_progress");
    await vi.waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "in_progress" }));
    await vi.waitFor(() => expect(select).toHaveValue("in_progress"));
    expect(screen.getByRole("combobox", { name: "Status of PowerShell download cradle on WS-7" })).toHaveValue("acknowledged");
  });

  it("shows statuses as words for a role without alerts:write", async () => {
    server();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMeAs("viewer") });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    expect(screen.queryByRole("combobox", { name: /^Status of/ })).not.toBeInTheDocument();
    expect(screen.getByText("Acknowledged", { selector: ".status-badge" })).toBeInTheDocument();
  });

  it("loads more with the cursor", async () => {
    const { calls } = server((url) => (url.searchParams.get("cursor") === "c-2" ? page([ps], { total: 2 }) : page([brute], { total: 2, next_cursor: "c-2" })));
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    await screen.findByRole("table", { name: "Alerts, newest activity first" });
    expect(titles()).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Load 50 more" }));
    await vi.waitFor(() => expect(titles()).toHaveLength(2));
    expect(lists(calls).at(-1)?.get("cursor")).toBe("c-2");
    expect(screen.queryByRole("button", { name: "Load 50 more" })).not.toBeInTheDocument();
  });

  it("with no alerts at all, says when they appear and links to the rules", async () => {
    server(() => page([]));
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe() });
    expect(await screen.findByText("No alerts yet — alerts appear here within a second of a matching event.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Rules" })).toHaveAttribute("href", "/rules");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("with filters that match nothing, offers to clear them", async () => {
    server(() => page([]));
    const user = userEvent.setup();
    const { location } = renderWithProviders(<AlertsPage />, { route: "/alerts?status=closed", me: makeMe() });
    expect(await screen.findByText("No alerts match these filters.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Clear the filters" }));
    expect(location.search.toString()).toBe("");
  });

  it("refuses a role without alerts:read and asks nothing", () => {
    const { calls } = server();
    renderWithProviders(<AlertsPage />, { route: "/alerts", me: makeMe({ role: "viewer", permissions: ["self", "events:read"] }) });
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Alerts (your role: viewer).");
    expect(calls).toHaveLength(0);
    expect(WS.instances).toHaveLength(0);
  });
});
