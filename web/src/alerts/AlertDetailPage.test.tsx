import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertDetail } from "../api/detection";
import { makeAlert } from "../test/detection";
import { makeEvent } from "../test/events";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { AlertDetailPage, aroundAlert, entityQuery } from "./AlertDetailPage";

const detail: AlertDetail = {
  ...makeAlert({ id: "a-1" }),
  events: [
    makeEvent({ id: "e-1", "@timestamp": "2026-11-23T09:55:00Z", message: "Failed password for root from 81.2.69.142 port 4242 ssh2" }),
    makeEvent({ id: "e-2", "@timestamp": "2026-11-23T10:00:00Z", message: "Failed password for root from 81.2.69.142 port 4250 ssh2" }),
  ],
};

function server(current: () => AlertDetail = () => detail, more?: (call: Call, url: URL) => Response | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const other = more?.(call, url);
    if (other) return other;
    if (url.pathname === "/api/v1/alerts/a-1" && call.method === "GET") return json(200, current());
    if (url.pathname === "/api/v1/alerts/stats") return json(200, {});
    return json(404, { error: { code: "not_found", message: "alert not found" } });
  });
}

function renderDetail(route = "/alerts/a-1", me = makeMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/alerts/:id" element={<AlertDetailPage />} />
      <Route path="/events" element={<h1>Events</h1>} />
    </Routes>,
    { route, me },
  );
}

let WS: typeof FakeWebSocket;
beforeEach(() => {
  WS = installFakeWebSocket();
});
afterEach(() => vi.unstubAllGlobals());

describe("AlertDetailPage", () => {
  it("shows the rule, ATT&CK by name, timing, dedup key and group values", async () => {
    server();
    renderDetail();
    expect(await screen.findByRole("heading", { level: 1, name: "SSH brute force from 81.2.69.142" })).toBeInTheDocument();
    const about = screen.getByRole("region", { name: "About" });
    expect(within(about).getByRole("link", { name: "SSH brute force" })).toHaveAttribute("href", "/rules/r-1");
    expect(within(about).getByText("Credential Access")).toBeInTheDocument();
    expect(within(about).getByRole("link", { name: "T1110 Brute Force" })).toHaveAttribute("href", "/rules?technique=T1110");
    expect(within(about).getByText("r-1|source.ip=81.2.69.142")).toBeInTheDocument();
    expect(within(about).getByText("threshold")).toBeInTheDocument();
    expect(screen.getByText("Seen 5 times")).toBeInTheDocument();
    const groups = screen.getByLabelText("Group values");
    expect(groups).toHaveTextContent("source.ip81.2.69.142");
  });

  it("links every entity to Events, around the time of the alert", async () => {
    server();
    renderDetail();
    const entities = await screen.findByRole("region", { name: "Entities" });
    const host = within(entities).getByRole("link", { name: "web-1" });
    const url = new URL(host.getAttribute("href") ?? "", "http://localhost");
    expect(url.pathname).toBe("/events");
    expect(url.searchParams.get("q")).toBe('related.hosts:"web-1"');
    expect(url.searchParams.get("from")).toBe("2026-11-23T08:55:00.000Z");
    expect(url.searchParams.get("to")).toBe("2026-11-23T11:00:00.000Z");
    const ip = new URL(within(entities).getByRole("link", { name: "81.2.69.142" }).getAttribute("href") ?? "", "http://localhost");
    expect(ip.searchParams.get("q")).toBe('related.ip:"81.2.69.142"');
    expect(within(entities).getByRole("link", { name: "root" })).toBeInTheDocument();
    expect(within(entities).queryByText("Processes")).not.toBeInTheDocument();
  });

  it("names a user with the domain, searches by the bare name, and lists a binary once", async () => {
    const path = "C:\\Program Files\\Very Long Vendor Name\\Agent\\x64\\bin\\updater-service-host.exe";
    server(() => ({
      ...detail,
      entities: {
        ...detail.entities,
        users: ["alice"],
        user_domains: { alice: "CORP" },
        processes: [path, "updater-service-host.exe", "cmd.exe"],
      },
    }));
    renderDetail();
    const entities = await screen.findByRole("region", { name: "Entities" });
    const alice = within(entities).getByRole("link", { name: "CORP\\alice" });
    expect(new URL(alice.getAttribute("href") ?? "", "http://localhost").searchParams.get("q")).toBe('related.user:"alice"');
    const processes = within(entities).getAllByRole("link").filter((l) => l.getAttribute("href")?.includes("process.executable"));
    expect(processes.map((l) => l.textContent)).toEqual([path, "cmd.exe"]);
    // The whole value on hover, whatever the chip shows.
    expect(processes[0]).toHaveAttribute("title", expect.stringMatching(/^C:\\Program Files\\.*updater-service-host\.exe\n/));
  });

  it("lists the matching events, newest first, each opening the event drawer", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderDetail();
    const table = await screen.findByRole("table", { name: "Events that matched this alert, newest first" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent("port 4250");
    await user.click(within(table).getAllByRole("button", { name: /^Open event/ })[0] as HTMLElement);
    const drawer = screen.getByRole("dialog", { name: "Event details" });
    expect(within(drawer).getByText("Failed password for root from 81.2.69.142 port 4250 ssh2")).toBeInTheDocument();
    await user.click(within(drawer).getByRole("button", { name: "Filter for host.name: web-1" }));
    expect(location.pathname).toBe("/events");
    expect(location.search.get("q")).toBe('host.name:"web-1"');
  });

  it("loads more of the alert's events, a page at a time, until the end", async () => {
    const port = (n: number) => makeEvent({ id: `all-${n}`, "@timestamp": `2026-11-23T09:5${n}:00Z`, message: `Failed password for root port ${n}` });
    const span = { from: "2026-11-23T09:55:00Z", to: "2026-11-23T10:00:00.001Z", filter: 'source.ip:"81.2.69.142"' };
    // The first page repeats one event the alert came with: it is shown once.
    const e1 = detail.events![0]!;
    const pages: Record<string, unknown> = {
      "": { events: [port(1), e1, port(2)], scanned: 40, next_cursor: "c1", ...span },
      c1: { events: [port(3), port(4)], scanned: 12, next_cursor: "", ...span },
    };
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const { calls } = server(undefined, (_call, url) => {
      if (url.pathname !== "/api/v1/alerts/a-1/events") return undefined;
      const cursor = url.searchParams.get("cursor") ?? "";
      // The second page waits, to see the button while it loads.
      return cursor === "c1" ? (held.then(() => json(200, pages.c1)) as unknown as Response) : json(200, pages[cursor]);
    });
    const user = userEvent.setup();
    renderDetail();
    const section = await screen.findByRole("region", { name: "Matching events" });
    expect(within(section).getByRole("status")).toHaveTextContent("Showing 2 of the alert's events");
    expect(section).toHaveTextContent("Showing 2 of the alert's events · Load more");
    // Open in Events searches exactly the alert's events (their ids) over its span, first to last seen.
    const url = new URL(within(section).getByRole("link", { name: "Open in Events" }).getAttribute("href") ?? "", "http://localhost");
    expect(url.pathname).toBe("/events");
    expect(url.searchParams.get("q")).toBe("_id:(e-1 OR e-2)");
    expect(url.searchParams.get("from")).toBe("2026-11-23T09:55:00.000Z");
    expect(url.searchParams.get("to")).toBe("2026-11-23T10:00:00.001Z");
    // It keeps 2 ids of 5 events, and says so.
    expect(within(section).getByText(/its last 2 of 5/)).toBeInTheDocument();
    // Related activity reads wider: the entities, an hour either side.
    const wider = new URL(within(section).getByRole("link", { name: "Related activity (wider)" }).getAttribute("href") ?? "", "http://localhost");
    expect(wider.searchParams.get("q")).toBe('related.hosts:"web-1" OR related.user:"root" OR related.ip:"81.2.69.142"');
    expect(wider.searchParams.get("from")).toBe("2026-11-23T08:55:00.000Z");
    expect(wider.searchParams.get("to")).toBe("2026-11-23T11:00:00.000Z");

    await user.click(within(section).getByRole("button", { name: "Load more" }));
    const table = within(section).getByRole("table", { name: "Events that matched this alert, newest first" });
    expect(within(table).getAllByRole("row")).toHaveLength(5);
    expect(within(section).getByRole("status")).toHaveTextContent("Showing 4 of the alert's events");
    await user.click(within(section).getByRole("button", { name: "Load more" }));
    expect(within(section).getByRole("button", { name: "Loading…" })).toBeDisabled();
    release();
    await within(section).findByText("Showing all 6 of the alert's events found in its span");
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(7);
    expect(rows[1]).toHaveTextContent("port 4250");
    expect(rows[6]).toHaveTextContent("port 1");
    expect(within(section).queryByRole("button", { name: /Load more|Loading/ })).toBeNull();
    const asked = calls.filter((c) => c.url.includes("/events"));
    expect(asked.map((c) => new URL(c.url, "http://localhost").searchParams.get("cursor"))).toEqual([null, "c1"]);
    expect(new URL(asked[0]!.url, "http://localhost").searchParams.get("size")).toBe("100");
  });

  it("keeps a correlation's listed events, with no load more, and links its span", async () => {
    const { calls } = server(undefined, (_call, url) =>
      url.pathname === "/api/v1/alerts/a-1/events"
        ? json(409, { error: { code: "events_listed", message: "the alert was raised by a correlation rule: its events are the ones it lists" } })
        : undefined,
    );
    renderDetail();
    const section = await screen.findByRole("region", { name: "Matching events" });
    await vi.waitFor(() => expect(calls.some((c) => c.url.includes("/events"))).toBe(true));
    expect(within(section).getByRole("status")).toHaveTextContent("Showing 2 of the alert's events");
    await vi.waitFor(() => expect(within(section).queryByRole("button", { name: "Load more" })).toBeNull());
    expect(within(section).getAllByRole("row")).toHaveLength(3);
    const url = new URL(within(section).getByRole("link", { name: "Open in Events" }).getAttribute("href") ?? "", "http://localhost");
    expect(url.searchParams.get("q")).toBe("_id:(e-1 OR e-2)");
    expect(url.searchParams.get("from")).toBe(new Date(detail.first_seen).toISOString());
  });

  it("acknowledges, resolves with a verdict and assigns (PATCH)", async () => {
    let current = detail;
    const { calls } = server(
      () => current,
      (call, url) => {
        if (call.method === "PATCH" && url.pathname === "/api/v1/alerts/a-1") {
          current = { ...current, ...(call.body as object) };
          const { events: _events, ...alert } = current;
          return json(200, alert);
        }
        return undefined;
      },
    );
    const user = userEvent.setup();
    renderDetail();
    const actions = await screen.findByRole("group", { name: "Change the status" });
    expect(within(actions).getAllByRole("button").map((b) => b.textContent)).toEqual(["Acknowledge", "Start work", "Resolve", "Close alert"]);
    const work = screen.getByRole("group", { name: "Work this alert" });
    expect(within(work).getAllByRole("button").map((b) => b.textContent)).toEqual(["Assign to me", "Assign…", "Escalate…"]);
    await user.click(within(actions).getByRole("button", { name: "Acknowledge" }));
    await vi.waitFor(() => expect(screen.getByText("Acknowledged", { selector: ".status-badge" })).toBeInTheDocument());
    // Resolving asks the verdict first; without one nothing is sent.
    await user.click(within(actions).getByRole("button", { name: "Resolve" }));
    const dialog = screen.getByRole("dialog", { name: "Resolve “SSH brute force from 81.2.69.142”" });
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    expect(within(dialog).getByText("Choose a verdict.")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("radio", { name: "True positive" }));
    await user.type(within(dialog).getByLabelText("Comment"), "Blocked at the firewall");
    await user.click(within(dialog).getByRole("button", { name: "Resolve" }));
    await vi.waitFor(() => expect(within(actions).getByRole("button", { name: "Reopen" })).toBeInTheDocument());
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await user.click(within(work).getByRole("button", { name: "Assign to me" }));
    await vi.waitFor(() => expect(within(screen.getByRole("region", { name: "About" })).getByText("You")).toBeInTheDocument());
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { status: "acknowledged" },
      { status: "resolved", verdict: "true_positive", comment: "Blocked at the firewall" },
      { assignee: "u-admin" },
    ]);
  });

  it("reads the alert again when a repeat is folded in", async () => {
    let current = detail;
    const { calls } = server(() => current);
    renderDetail();
    await screen.findByText("Seen 5 times");
    await vi.waitFor(() => expect(WS.instances.length).toBeGreaterThan(0));
    const ws = WS.latest();
    act(() => ws.open());
    current = { ...detail, count: 6 };
    act(() => ws.receive({ channel: "alerts", type: "alert_updated", data: { ...detail, count: 6, events: undefined } }));
    expect(await screen.findByText("Seen 6 times")).toBeInTheDocument();
    expect(calls.filter((c) => c.url === "/api/v1/alerts/a-1")).toHaveLength(2);
  });

  it("offers no status change without alerts:write", async () => {
    server();
    renderDetail("/alerts/a-1", makeMe({ permissions: ["self", "alerts:read"] }));
    await screen.findByRole("heading", { level: 1, name: "SSH brute force from 81.2.69.142" });
    expect(screen.queryByRole("group", { name: "Change the status" })).not.toBeInTheDocument();
    // Nor a link to a rule it may not read.
    expect(within(screen.getByRole("region", { name: "About" })).queryByRole("link", { name: "SSH brute force" })).not.toBeInTheDocument();
  });

  it("says so when the alert does not exist", async () => {
    server();
    renderDetail("/alerts/a-404", makeMeAs("analyst"));
    expect(await screen.findByRole("heading", { level: 1, name: "Alert not found" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the alerts" })).toHaveAttribute("href", "/alerts");
  });

  it("builds the Events search and range of an entity", () => {
    expect(entityQuery(["user.name"], 'a"b')).toBe('user.name:"a\\"b"');
    expect(aroundAlert({ first_seen: "bad", last_seen: "2026-11-23T10:00:00Z" })).toEqual({ kind: "preset", preset: "30d" });
  });
});
