import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertStats } from "../api/detection";
import type { EventStats, SecurityEvent } from "../api/types";
import { makeAlertStats } from "../test/detection";
import { makeEvent, makeStats } from "../test/events";
import { makeSnapshot } from "../test/metrics";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { DashboardPage } from "./DashboardPage";

afterEach(() => vi.unstubAllGlobals());

const day = makeStats({
  total: 1234,
  interval_seconds: 3600,
  over_time: [{ start: "2026-11-23T09:00:00Z", count: 1234, by_severity: { high: 34, low: 1200 } }],
  by_severity: [
    { term: "low", count: 1200 },
    { term: "high", count: 30 },
    { term: "critical", count: 4 },
  ],
  by_input: [{ term: "syslog", count: 1000 }],
  top_hosts: [{ term: "web-1", count: 900 }],
  top_users: [{ term: "root", count: 700 }],
  top_sources: [{ term: "81.2.69.142", count: 600 }],
  top_countries: [{ term: "GB", count: 600 }],
});

// The alert counts of the range: all alerts, and (asked with the open statuses) the open ones.
interface AlertCounts {
  all: AlertStats;
  open: AlertStats;
}

const noAlerts: AlertCounts = { all: makeAlertStats(), open: makeAlertStats() };

function alertStatsAnswer(call: Call, alerts: AlertCounts): Response | undefined {
  const url = new URL(call.url, "http://localhost");
  if (url.pathname !== "/api/v1/alerts/stats") return undefined;
  return json(200, url.searchParams.get("status") === "new,acknowledged,in_progress,escalated" ? alerts.open : alerts.all);
}

function serve(range: EventStats, recent: EventStats, storedTotal = 0, newest: SecurityEvent[] = [], alerts: AlertCounts = noAlerts) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const alertAnswer = alertStatsAnswer(call, alerts);
    if (alertAnswer) return alertAnswer;
    if (url.pathname === "/api/v1/events/stats/summary") return json(200, url.searchParams.get("from") === "now-15m" ? recent : range);
    if (url.pathname === "/api/v1/events") return json(200, { items: newest, total: storedTotal, next_cursor: null });
    return json(200, makeMe());
  });
}

describe("DashboardPage", () => {
  let WS: typeof FakeWebSocket;
  beforeEach(() => {
    WS = installFakeWebSocket();
  });

  it("with no events at all, explains how to send some and draws no empty charts", async () => {
    serve(makeStats(), makeStats());
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    expect(await screen.findByRole("heading", { name: "No events yet" })).toBeInTheDocument();
    expect(screen.getByLabelText("Example: send an event with curl")).toHaveTextContent("/api/v1/events");
    expect(screen.getByRole("link", { name: "Administration → API keys" })).toHaveAttribute("href", "/admin/api-keys");
    expect(screen.queryByRole("region", { name: "Events" })).not.toBeInTheDocument();
    expect(screen.queryByRole("figure")).not.toBeInTheDocument();
    expect(screen.queryByText("0")).not.toBeInTheDocument();
  });

  it("with older events only, says the range is empty and how many are stored", async () => {
    serve(makeStats(), makeStats(), 42);
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    expect(await screen.findByRole("heading", { name: "No events in the last 24 hours" })).toBeInTheDocument();
    expect(screen.getByText(/42 events are stored/)).toBeInTheDocument();
  });

  it("with an archive's events only, links to the week up to the newest of them", async () => {
    serve(makeStats(), makeStats(), 8134, [makeEvent({ id: "a", "@timestamp": "2022-05-01T04:42:11Z" })]);
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    expect(await screen.findByText(/8,134 events are stored, all outside this range, the newest at .*2022/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "see the week up to the newest in Events" })).toHaveAttribute(
      "href",
      "/events?from=2022-04-24T04%3A42%3A11.000Z&to=2022-05-01T04%3A42%3A12.000Z",
    );
  });

  it("shows the real counts of the range", async () => {
    serve(day, makeStats({ total: 45 }));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    const total = await screen.findByRole("region", { name: "Events" });
    expect(total).toHaveTextContent("1,234");
    await vi.waitFor(() => expect(screen.getByRole("region", { name: "Events per minute" })).toHaveTextContent("3.0"));
    expect(screen.getByRole("region", { name: "High and critical events" })).toHaveTextContent("34");
    expect(screen.getByRole("figure", { name: "Events over time" })).toBeInTheDocument();
    const hosts = screen.getByRole("region", { name: "Top hosts" });
    expect(within(hosts).getByRole("link", { name: "web-1" })).toHaveAttribute("href", "/events?q=host.name%3A%22web-1%22");
    const countries = screen.getByRole("region", { name: "Top countries" });
    expect(within(countries).getByRole("link", { name: /GB/ })).toHaveTextContent("United Kingdom");
    const sev = screen.getByRole("region", { name: "By severity" });
    expect(within(sev).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Critical4", "High30", "Medium0", "Low1,200", "Info0"]);
  });

  it("tells when it was updated on a 24-hour clock, with the time zone", async () => {
    // 3 pm: a 12-hour clock would say 3 PM.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2026, 10, 25, 15, 4, 5));
    try {
      serve(day, makeStats({ total: 45 }));
      renderWithProviders(<DashboardPage />, { me: makeMe() });
      await screen.findByRole("region", { name: "Events" });
      expect(screen.getByText(/updated 15:04:05 · times in UTC/)).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it("feeds the latest events live, each opening the event drawer", async () => {
    serve(day, makeStats({ total: 45 }));
    const user = userEvent.setup();
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    expect(ws.sent).toEqual([{ type: "subscribe", channels: ["security:events", "metrics"] }]);
    expect(await screen.findByText(/Waiting for new events/)).toBeInTheDocument();
    act(() => {
      for (let i = 0; i < 25; i++) ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: `live-${i}`, message: `event number ${i}` }) });
    });
    const feed = screen.getByRole("list", { name: "Latest events" });
    expect(within(feed).getAllByRole("listitem")).toHaveLength(20);
    await user.click(within(feed).getByRole("button", { name: /event number 24/ }));
    const drawer = screen.getByRole("dialog", { name: "Event details" });
    expect(within(drawer).getByText("event number 24")).toBeInTheDocument();
  });

  it("tells what happened for an event without a message", async () => {
    serve(day, makeStats({ total: 45 }));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    const app = makeEvent({ id: "app-1", message: undefined, fields: { event: { action: "LOGIN_FAILURE", outcome: "failure" }, user: { id: "u-17" } } });
    act(() => ws.receive({ channel: "security:events", type: "event", data: app }));
    const feed = await screen.findByRole("list", { name: "Latest events" });
    expect(within(feed).getByRole("button", { name: /LOGIN_FAILURE · failure/ })).toHaveTextContent("LOGIN_FAILURE · failure");
    expect(within(feed).queryByText("(no message)")).not.toBeInTheDocument();
  });

  it("opens with the newest stored events, puts live ones on top, and reads them again after a reconnect", async () => {
    let stored = [makeEvent({ id: "s-2", message: "stored two" }), makeEvent({ id: "s-1", message: "stored one" })];
    const { calls } = stubFetch((call) => {
      const url = new URL(call.url, "http://localhost");
      const alertAnswer = alertStatsAnswer(call, noAlerts);
      if (alertAnswer) return alertAnswer;
      if (url.pathname === "/api/v1/events/stats/summary") return json(200, day);
      if (url.pathname === "/api/v1/events") return json(200, { items: stored.slice(0, Number(url.searchParams.get("size"))), total: stored.length, next_cursor: null });
      return json(200, makeMe());
    });
    const feedCalls = () => calls.filter((c) => c.url.startsWith("/api/v1/events?") && c.url.includes("size=20"));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    const feed = await screen.findByRole("list", { name: "Latest events" });
    await vi.waitFor(() => expect(within(feed).getAllByRole("listitem").map((li) => li.textContent)).toEqual([expect.stringContaining("stored two"), expect.stringContaining("stored one")]));
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    act(() => {
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "live-1", message: "live one" }) });
      // Already listed: not twice.
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "s-2", message: "stored two" }) });
    });
    expect(within(feed).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      expect.stringContaining("stored two"),
      expect.stringContaining("live one"),
      expect.stringContaining("stored one"),
    ]);
    expect(feedCalls()).toHaveLength(1);
    // The socket drops; an event stored meanwhile is read on reconnect.
    stored = [makeEvent({ id: "s-3", message: "stored during the gap" }), ...stored];
    act(() => ws.drop());
    await vi.waitFor(() => expect(WS.instances.length).toBeGreaterThan(1), { timeout: 5000 });
    act(() => WS.latest().open());
    await vi.waitFor(() => expect(feedCalls()).toHaveLength(2));
    await within(feed).findByText("stored during the gap");
  });

  it("counts the open alerts of the range by severity and lists the rules that fired most, each linking to those alerts", async () => {
    const alerts: AlertCounts = {
      all: makeAlertStats({
        total: 9,
        open: 4,
        top_rules: [
          { rule_id: "r-brute", title: "SSH brute force", count: 3 },
          { rule_id: "r-2", title: "Rule two", count: 2 },
          { rule_id: "r-3", title: "Rule three", count: 1 },
          { rule_id: "r-4", title: "Rule four", count: 1 },
          { rule_id: "r-5", title: "", count: 1 },
          { rule_id: "r-6", title: "Rule six", count: 1 },
        ],
      }),
      open: makeAlertStats({ total: 4, open: 4, by_severity: { high: 3, low: 1 } }),
    };
    const { calls } = serve(day, makeStats({ total: 45 }), 0, [], alerts);
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    const card = await screen.findByRole("region", { name: "Alerts" });
    const open = await within(card).findByRole("link", { name: "Open alerts: 4" });
    expect(open).toHaveTextContent("4open, of 9 alerts");
    expect(open).toHaveAttribute("href", "/alerts?status=new%2Cacknowledged%2Cin_progress%2Cescalated&range=24h&time=last_seen");
    const sev = within(card).getByRole("list", { name: "Open alerts by severity" });
    expect(within(sev).getAllByRole("link").map((a) => a.textContent)).toEqual(["Critical0", "High3", "Medium0", "Low1", "Informational0"]);
    expect(within(sev).getByRole("link", { name: /High/ })).toHaveAttribute("href", "/alerts?status=new%2Cacknowledged%2Cin_progress%2Cescalated&sev=high&range=24h&time=last_seen");
    const rules = within(card).getByRole("list", { name: "Top rules by alerts" });
    // Five at most; a rule without a title shows its id.
    expect(within(rules).getAllByRole("link").map((a) => a.textContent)).toEqual(["SSH brute force", "Rule two", "Rule three", "Rule four", "r-5"]);
    expect(within(rules).getByRole("link", { name: "SSH brute force" })).toHaveAttribute("href", "/alerts?rule=r-brute&range=24h&time=last_seen");
    // The events card says what it counts.
    expect(screen.getByRole("region", { name: "High and critical events" })).toHaveTextContent("34");
    const asked = calls.filter((c) => c.url.startsWith("/api/v1/alerts/stats")).map((c) => c.url);
    expect(asked).toEqual(expect.arrayContaining(["/api/v1/alerts/stats?from=now-24h", "/api/v1/alerts/stats?status=new%2Cacknowledged%2Cin_progress%2Cescalated&from=now-24h"]));
  });

  it("asks for the alerts of the chosen range and links to them in it", async () => {
    const alerts: AlertCounts = { all: makeAlertStats({ total: 1, top_rules: [{ rule_id: "r-1", title: "Rule one", count: 1 }] }), open: makeAlertStats() };
    const { calls } = serve(day, makeStats({ total: 45 }), 0, [], alerts);
    renderWithProviders(<DashboardPage />, { me: makeMe(), route: "/?range=7d" });
    const card = await screen.findByRole("region", { name: "Alerts" });
    expect(await within(card).findByRole("link", { name: "Rule one" })).toHaveAttribute("href", "/alerts?rule=r-1&range=7d&time=last_seen");
    expect(within(card).getByRole("link", { name: "Open alerts: 0" })).toBeInTheDocument();
    expect(calls.some((c) => c.url === "/api/v1/alerts/stats?from=now-7d")).toBe(true);
  });

  it("says so when the range has no alerts", async () => {
    serve(day, makeStats({ total: 45 }));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    const card = await screen.findByRole("region", { name: "Alerts" });
    expect(await within(card).findByText("No alerts in this range")).toBeInTheDocument();
    expect(within(card).queryByRole("list")).not.toBeInTheDocument();
  });

  it("shows no alerts card to a user who may not read alerts, nor asks for their counts", async () => {
    const { calls } = serve(day, makeStats({ total: 45 }));
    const me = makeMe({ permissions: makeMe().permissions.filter((p) => p !== "alerts:read") });
    renderWithProviders(<DashboardPage />, { me });
    await screen.findByRole("region", { name: "Events" });
    expect(screen.queryByRole("region", { name: "Alerts" })).not.toBeInTheDocument();
    expect(calls.some((c) => c.url.startsWith("/api/v1/alerts"))).toBe(false);
  });

  it("shows the rate arriving now from the metrics channel, and reads the counts again when events are stored", async () => {
    const { calls } = serve(day, makeStats({ total: 45 }));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    const kpi = await screen.findByRole("region", { name: "Arriving now" });
    expect(kpi).toHaveTextContent("waiting for the first figures");
    expect(screen.getByText(/refreshed every 30 s/)).toBeInTheDocument();
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    const statsCalls = () => calls.filter((c) => c.url.startsWith("/api/v1/events/stats/summary")).length;
    const before = statsCalls();
    act(() => ws.receive({ channel: "metrics", type: "snapshot", data: makeSnapshot({ received: 62400, stored: 62000, raised: 3 }) }));
    expect(kpi).toHaveTextContent("12,480/s");
    expect(kpi).toHaveTextContent("12,400/s newly stored · 3 alerts raised");
    expect(screen.getByText(/updated as events arrive/)).toBeInTheDocument();
    // Both counts (the range and the last 15 minutes) are read again at once.
    await vi.waitFor(() => expect(statsCalls()).toBe(before + 2));
    // A second snapshot within 10 s draws the line but does not ask again.
    act(() => ws.receive({ channel: "metrics", type: "snapshot", data: makeSnapshot({ received: 10 }) }));
    expect(kpi).toHaveTextContent("2/s");
    expect(within(kpi).getByRole("img", { name: /Events per second over the last/ })).toBeInTheDocument();
    expect(statsCalls()).toBe(before + 2);
    // Not a pipeline admin: no pipeline card.
    expect(screen.queryByRole("region", { name: "Ingest pipeline" })).not.toBeInTheDocument();
  });

  it("shows platform admins the pipeline's listeners with their drops", async () => {
    serve(day, makeStats({ total: 45 }));
    renderWithProviders(<DashboardPage />, { me: makeMe() });
    await screen.findByRole("region", { name: "Events" });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    const listener = (name: string, received: number, dropped: number, total: number) => ({
      listener: name, received, parsed: received, failed: 0, stored: received - dropped, duplicates: 0, rejected: 0, refused: 0, dropped,
      store_errors: 0, dropped_by_reason: dropped ? { queue_full: dropped } : undefined, batches: received ? 4 : 0, batch_latency_ms: 12.34,
      in_flight: 0, connections: 0, received_total: total, stored_total: total, dropped_total: dropped,
    });
    const snap = {
      ...makeSnapshot({ received: 500 }),
      pipeline: {
        in_flight: 900,
        in_flight_limit: 1000,
        listeners: [listener("http", 500, 0, 500), listener("syslog_udp", 50, 7, 60), listener("hec", 0, 0, 0)],
      },
    };
    act(() => ws.receive({ channel: "metrics", type: "snapshot", data: snap }));
    const card = screen.getByRole("region", { name: "Ingest pipeline" });
    expect(within(card).getByText("900 / 1,000 in flight")).toHaveClass("pill-warn");
    // A listener that never received anything is left out.
    expect(within(card).getAllByRole("row").map((r) => r.textContent)).toEqual([
      "ListenerReceivedStoredDroppedBatch",
      "http100/s100/s012 ms",
      "syslog_udp10/s8.6/s712 ms",
    ]);
    expect(within(card).getByText("7")).toHaveAttribute("title", "queue_full: 7");
  });
});
