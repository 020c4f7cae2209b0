import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EventPage } from "../api/types";
import { makeEvent, makeStats } from "../test/events";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { EventsPage } from "./EventsPage";

afterEach(() => {
  vi.unstubAllGlobals();
  window.localStorage.clear();
});

const ssh = makeEvent({ id: "e-1", severity_label: "medium" });
const win = makeEvent({
  id: "e-2",
  "@timestamp": "2026-11-23T09:59:00Z",
  severity_label: "high",
  message: "An account failed to log on.",
  input: "http",
  fields: { event: { code: "4625", dataset: "windows.security", action: "logon-failed" }, user: { name: "bob" }, host: { name: "DC01" }, process: { name: "lsass.exe" } },
  raw: '{"EventID":4625}',
});

const stats = makeStats({
  total: 2,
  interval_seconds: 3600,
  from: "2026-11-23T08:00:00Z",
  to: "2026-11-23T10:30:00Z",
  over_time: [
    { start: "2026-11-23T09:00:00Z", count: 1, by_severity: { high: 1 } },
    { start: "2026-11-23T10:00:00Z", count: 1, by_severity: { medium: 1 } },
  ],
});

function page(items = [ssh, win], extra: Partial<EventPage> = {}): EventPage {
  return { items, total: items.length, next_cursor: null, ...extra };
}

function server(search: (call: Call, url: URL) => Response = () => json(200, page())) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    if (url.pathname === "/api/v1/events/stats/summary") return json(200, stats);
    if (url.pathname === "/api/v1/events") return search(call, url);
    if (url.pathname === "/api/v1/me") return json(200, makeMe());
    return json(404, { error: { code: "not_found", message: "no such thing" } });
  });
}

const searches = (calls: Call[]) => calls.filter((c) => c.url.startsWith("/api/v1/events?") || c.url === "/api/v1/events").map((c) => new URL(c.url, "http://localhost").searchParams);

describe("EventsPage", () => {
  beforeEach(() => {
    installFakeWebSocket();
  });

  it("searches what the URL says and lists the events with their total", async () => {
    const { calls } = server();
    renderWithProviders(<EventsPage />, { route: "/events?q=user.name%3Aroot&range=1h&sev=medium,high", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(within(table).getByText("DC01")).toBeInTheDocument();
    expect(within(table).getByText("High")).toBeInTheDocument();
    expect(screen.getByRole("searchbox", { name: "Search" })).toHaveValue("user.name:root");
    const q = searches(calls)[0];
    expect(q?.get("query")).toBe("user.name:root");
    expect(q?.get("from")).toBe("now-1h");
    expect(q?.get("severity")).toBe("medium,high");
    expect(screen.getByRole("button", { name: "1 h" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("checkbox", { name: "High" })).toBeChecked();
  });

  it("keeps the query, the range and the bands in the URL", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.type(screen.getByRole("searchbox", { name: "Search" }), 'user.name:root AND "failed password"{Enter}');
    expect(location.search.get("q")).toBe('user.name:root AND "failed password"');
    await user.click(screen.getByRole("button", { name: "7 d" }));
    expect(location.search.get("range")).toBe("7d");
    await user.click(screen.getByRole("checkbox", { name: "Critical" }));
    expect(location.search.get("sev")).toBe("critical");
    await vi.waitFor(() => {
      const last = searches(calls).at(-1);
      expect(last?.get("query")).toBe('user.name:root AND "failed password"');
      expect(last?.get("from")).toBe("now-7d");
      expect(last?.get("severity")).toBe("critical");
    });
  });

  it("takes an absolute range from the custom picker", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Custom" }));
    const form = screen.getByRole("form", { name: "Custom time range" });
    const from = within(form).getByLabelText("From");
    const to = within(form).getByLabelText("To");
    await user.clear(from);
    await user.type(from, "2026-11-23T10:00");
    await user.clear(to);
    await user.type(to, "2026-11-23T09:00");
    await user.click(within(form).getByRole("button", { name: "Apply range" }));
    expect(within(form).getByRole("alert")).toHaveTextContent("The start must be before the end.");
    await user.clear(to);
    await user.type(to, "2026-11-23T11:00");
    await user.click(within(form).getByRole("button", { name: "Apply range" }));
    expect(location.search.get("from")).toBe(new Date("2026-11-23T10:00").toISOString());
    expect(location.search.get("to")).toBe(new Date("2026-11-23T11:00").toISOString());
    expect(location.search.get("range")).toBeNull();
  });

  it("shows the server's syntax error under the search box", async () => {
    server((_, url) =>
      url.searchParams.get("query") === "user.name:(" ? json(400, { error: { code: "bad_query", message: "unbalanced parenthesis at 10", field: "query" } }) : json(200, page()),
    );
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    const input = screen.getByRole("searchbox", { name: "Search" });
    await user.type(input, "user.name:({Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("unbalanced parenthesis at 10");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("unbalanced parenthesis at 10");
    // No count and no chart of a search that did not run: neither "counting" nor "none".
    expect(screen.queryByText("Counting events…")).not.toBeInTheDocument();
    expect(screen.queryByText("No events to chart in this range.")).not.toBeInTheDocument();
    expect(screen.getByText("No chart: the search has an error.")).toBeInTheDocument();
  });

  it("offers 90 days, a year and all time; all time sends no from", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "1 y" }));
    expect(location.search.get("range")).toBe("1y");
    await vi.waitFor(() => expect(searches(calls).at(-1)?.get("from")).toBe("now-365d"));
    await user.click(screen.getByRole("button", { name: "All" }));
    expect(location.search.get("range")).toBe("all");
    expect(screen.getByText(/All time\./)).toBeInTheDocument();
    await vi.waitFor(() => expect(searches(calls).at(-1)?.has("from")).toBe(false));
    const statsCalls = calls.filter((c) => c.url.startsWith("/api/v1/events/stats/summary")).map((c) => new URL(c.url, "http://localhost").searchParams);
    expect(statsCalls.at(-1)?.has("from")).toBe(false);
    expect(statsCalls.at(-1)?.has("interval")).toBe(false);
    await user.click(screen.getByRole("button", { name: "90 d" }));
    await vi.waitFor(() => expect(searches(calls).at(-1)?.get("from")).toBe("now-90d"));
  });

  it("reads the columns from the URL, and writes them there", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?cols=process.name,message,bad%20name", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.getAttribute("title") ?? "")).toEqual([expect.stringContaining("time zone"), "", "process.name", "message"]);
    await user.click(screen.getByRole("button", { name: "Columns" }));
    await user.click(within(screen.getByRole("group", { name: "Columns" })).getByRole("checkbox", { name: /host\.name/ }));
    expect(location.search.get("cols")).toBe("process.name,message,host.name");
  });

  it("puts this browser's columns in a URL without any, so that a copied link keeps them", async () => {
    window.localStorage.setItem("eventsec.events.columns", JSON.stringify(["user.name", "message"]));
    server();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?q=x", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await vi.waitFor(() => expect(location.search.get("cols")).toBe("user.name,message"));
    expect(location.search.get("q")).toBe("x");
  });

  it("turns the order round from the Time header, and keeps it in the URL", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?q=x", me: makeMe() });
    let table = await screen.findByRole("table", { name: "Events, newest first" });
    const header = within(table).getAllByRole("columnheader")[0] as HTMLElement;
    expect(header).toHaveAttribute("aria-sort", "descending");
    expect(header).toHaveTextContent("▼");
    expect(searches(calls)[0]?.get("order")).toBe("desc");
    await user.click(within(header).getByRole("button", { name: /^Time/ }));
    expect(location.search.get("order")).toBe("asc");
    expect(location.search.get("q")).toBe("x");
    table = await screen.findByRole("table", { name: "Events, oldest first" });
    const asc = within(table).getAllByRole("columnheader")[0] as HTMLElement;
    expect(asc).toHaveAttribute("aria-sort", "ascending");
    expect(asc).toHaveTextContent("▲");
    await vi.waitFor(() => expect(searches(calls).at(-1)?.get("order")).toBe("asc"));
    expect(screen.getByText("Showing 2 of 2, oldest first")).toBeInTheDocument();
    // A new search keeps the order.
    await user.type(screen.getByRole("searchbox", { name: "Search" }), "y{Enter}");
    expect(location.search.get("order")).toBe("asc");
    await vi.waitFor(() => expect(searches(calls).at(-1)?.get("query")).toBe("xy"));
    expect(searches(calls).at(-1)?.get("order")).toBe("asc");
    // By keyboard too: back to newest first, the default, which the URL leaves out.
    const again = await screen.findByRole("table", { name: "Events, oldest first" });
    within(again).getByRole("button", { name: /^Time/ }).focus();
    await user.keyboard("{Enter}");
    expect(location.search.has("order")).toBe(false);
    expect(await screen.findByRole("table", { name: "Events, newest first" })).toBeInTheDocument();
  });

  it("reads the order from the URL and pages on in it", async () => {
    const { calls } = server((_, url) =>
      url.searchParams.get("cursor") === "c-2" ? json(200, page([ssh], { total: 2, next_cursor: null })) : json(200, page([win], { total: 2, next_cursor: "c-2" })),
    );
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events?order=asc", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, oldest first" });
    await user.click(screen.getByRole("button", { name: "Load 100 more" }));
    await vi.waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(3));
    const next = searches(calls).find((q) => q.get("cursor") === "c-2");
    expect(next?.get("order")).toBe("asc");
  });

  it("loads more with next_cursor", async () => {
    const { calls } = server((_, url) =>
      url.searchParams.get("cursor") === "c-2" ? json(200, page([win], { total: 2, next_cursor: null })) : json(200, page([ssh], { total: 2, next_cursor: "c-2" })),
    );
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    await user.click(screen.getByRole("button", { name: "Load 100 more" }));
    await vi.waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(3));
    expect(searches(calls).at(-1)?.get("cursor")).toBe("c-2");
    expect(screen.queryByRole("button", { name: /^Load/ })).not.toBeInTheDocument();
  });

  it("zooms the time range to a bar of the histogram", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const bars = await screen.findByRole("group", { name: /Events over time, one bar per 1 h/ });
    const buttons = within(bars).getAllByRole("button");
    expect(buttons).toHaveLength(3);
    await user.click(buttons[1] as HTMLElement);
    expect(location.search.get("from")).toBe("2026-11-23T09:00:00.000Z");
    expect(location.search.get("to")).toBe("2026-11-23T10:00:00.000Z");
  });

  it("zooms to the bars dragged across", async () => {
    server();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const bars = within(await screen.findByRole("group", { name: /Events over time/ })).getAllByRole("button");
    fireEvent.pointerDown(bars[0] as HTMLElement, { button: 0 });
    fireEvent.pointerEnter(bars[2] as HTMLElement);
    fireEvent.click(bars[2] as HTMLElement);
    expect(location.search.get("from")).toBe("2026-11-23T08:00:00.000Z");
    expect(location.search.get("to")).toBe("2026-11-23T11:00:00.000Z");
  });

  it("puts the cursor in the search box on /", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    expect(screen.getByRole("searchbox", { name: "Search" })).not.toHaveFocus();
    await user.keyboard("/");
    expect(screen.getByRole("searchbox", { name: "Search" })).toHaveFocus();
    expect(screen.getByRole("searchbox", { name: "Search" })).toHaveValue("");
  });

  it("opens an event in the drawer and narrows the search from it", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?q=failed", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(within(table).getAllByRole("button", { name: /^Open event/ })[1] as HTMLElement);
    expect(location.search.get("event")).toBe("e-2");
    const drawer = screen.getByRole("dialog", { name: "Event details" });
    expect(within(drawer).getByLabelText("Raw original as received")).toHaveTextContent('{"EventID":4625}');
    await user.click(within(drawer).getByRole("button", { name: "Filter out host.name: DC01" }));
    expect(location.search.get("q")).toBe('failed AND NOT host.name:"DC01"');
    expect(location.search.get("event")).toBeNull();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("adds and removes columns, and remembers them", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Columns" }));
    const chooser = screen.getByRole("group", { name: "Columns" });
    await user.click(within(chooser).getByRole("checkbox", { name: /process\.name/ }));
    await user.click(within(chooser).getByRole("checkbox", { name: /user\.name/ }));
    expect(within(table).getByRole("columnheader", { name: "Process" })).toBeInTheDocument();
    expect(within(table).queryByRole("columnheader", { name: "User" })).not.toBeInTheDocument();
    expect(within(table).getByText("lsass.exe")).toBeInTheDocument();
    await user.type(within(chooser).getByLabelText("Add a field"), "winlog.channel{Enter}");
    expect(within(table).getByRole("columnheader", { name: "winlog.channel" })).toBeInTheDocument();
    expect(JSON.parse(window.localStorage.getItem("eventsec.events.columns") ?? "[]")).toEqual([
      "host.name",
      "source.ip",
      "event.dataset",
      "message",
      "process.name",
      "winlog.channel",
    ]);
  });

  it("saves the search for the organisation, and opens a saved one with its range, bands and columns", async () => {
    const saved = [
      {
        id: "ss-1",
        name: "Failed logons on DCs",
        description: "Every failed logon on a domain controller",
        query: "event.code:4625 AND host.name:DC*",
        range: "7d",
        from: "",
        to: "",
        severity: ["high"],
        columns: ["host.name", "user.name", "source.ip"],
        created_by: "u-1",
        created_by_email: "ana@example.com",
        created_at: "2026-11-20T10:00:00Z",
        updated_at: "2026-11-20T10:00:00Z",
      },
    ];
    const bodies: unknown[] = [];
    const { calls } = stubFetch((call) => {
      const url = new URL(call.url, "http://localhost");
      if (url.pathname === "/api/v1/events/saved" && call.method === "GET") return json(200, { items: saved });
      if (url.pathname === "/api/v1/events/saved" && call.method === "POST") {
        const body = call.body as { name: string };
        bodies.push(body);
        if (body.name === saved[0]!.name) return json(409, { error: { code: "conflict", message: "a saved search or saved KQL query with this name already exists", field: "name" } });
        return json(201, { ...saved[0], ...body, id: "ss-2" });
      }
      if (url.pathname === "/api/v1/events/saved/ss-1" && call.method === "DELETE") return new Response(null, { status: 204 });
      if (url.pathname === "/api/v1/events/stats/summary") return json(200, stats);
      if (url.pathname === "/api/v1/events") return json(200, page());
      return json(200, makeMe());
    });
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?q=user.name%3Aroot&range=1h&sev=medium", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Saved searches" }));
    const dialog = screen.getByRole("dialog", { name: "Saved searches" });
    const form = within(dialog).getByRole("form", { name: "Save the current search" });
    expect(form).toHaveTextContent("user.name:root");
    expect(form).toHaveTextContent("Last hour");
    // A name is needed, and a taken one is told under the field.
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(within(form).getByText("Give the search a name.")).toBeInTheDocument();
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Failed logons on DCs");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(await within(form).findByText("a saved search or saved KQL query with this name already exists")).toBeInTheDocument();
    await user.clear(within(form).getByRole("textbox", { name: "Name" }));
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Root, last hour");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("Saved as “Root, last hour”, shared with your organisation.")).toBeInTheDocument();
    expect(bodies.at(-1)).toEqual({ name: "Root, last hour", description: "", query: "user.name:root", severity: ["medium"], columns: ["host.name", "user.name", "source.ip", "event.dataset", "message"], range: "1h" });

    // Opening one puts its search in the URL and its columns in the table.
    const item = within(within(dialog).getByRole("list", { name: "Saved searches" })).getByRole("listitem", { name: "Failed logons on DCs" });
    expect(item).toHaveTextContent("Last 7 days · High · 3 columns");
    await user.click(within(item).getByRole("button", { name: "Open Failed logons on DCs" }));
    expect(screen.queryByRole("dialog", { name: "Saved searches" })).not.toBeInTheDocument();
    expect(location.search.get("q")).toBe("event.code:4625 AND host.name:DC*");
    expect(location.search.get("range")).toBe("7d");
    expect(location.search.get("sev")).toBe("high");
    expect(location.search.get("cols")).toBe("host.name,user.name,source.ip");
    expect(screen.getByText("Failed logons on DCs", { selector: "strong" }).closest("p")).toHaveTextContent("Saved search Failed logons on DCs");
    const table = screen.getByRole("table", { name: "Events, newest first" });
    expect(within(table).getByRole("columnheader", { name: "User" })).toBeInTheDocument();
    await vi.waitFor(() => expect(searches(calls).at(-1)?.get("query")).toBe("event.code:4625 AND host.name:DC*"));

    // Deleting asks first, in the row.
    await user.click(screen.getByRole("button", { name: "Saved searches" }));
    const again = within(screen.getByRole("dialog", { name: "Saved searches" })).getByRole("listitem", { name: "Failed logons on DCs" });
    await user.click(within(again).getByRole("button", { name: "Delete Failed logons on DCs" }));
    await user.click(within(within(again).getByRole("group", { name: "Delete Failed logons on DCs?" })).getByRole("button", { name: "Delete" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/v1/events/saved/ss-1")).toBe(true));
  });

  it("lets a viewer open the saved searches but not change them", async () => {
    stubFetch((call) => {
      const url = new URL(call.url, "http://localhost");
      if (url.pathname === "/api/v1/events/saved") {
        return json(200, {
          items: [{ id: "ss-1", name: "Root", description: "", query: "user.name:root", range: "24h", from: "", to: "", severity: [], columns: [], created_by: "u-1", created_by_email: "a@example.com", created_at: "2026-11-20T10:00:00Z", updated_at: "2026-11-20T10:00:00Z" }],
        });
      }
      if (url.pathname === "/api/v1/events/stats/summary") return json(200, stats);
      if (url.pathname === "/api/v1/events") return json(200, page());
      return json(200, makeMeAs("viewer"));
    });
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMeAs("viewer") });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Saved searches" }));
    const dialog = screen.getByRole("dialog", { name: "Saved searches" });
    expect(await within(dialog).findByText("View only: your role can open the saved searches, not change them.")).toBeInTheDocument();
    expect(within(dialog).queryByRole("form", { name: "Save the current search" })).not.toBeInTheDocument();
    const item = await within(dialog).findByRole("listitem", { name: "Root" });
    expect(within(item).queryByRole("button", { name: /^Delete/ })).not.toBeInTheDocument();
    expect(within(item).queryByRole("button", { name: /^Replace/ })).not.toBeInTheDocument();
    await user.click(within(item).getByRole("button", { name: "Open Root" }));
    expect(location.search.get("q")).toBe("user.name:root");
  });

  it("says so when the range has no events, and how to send some", async () => {
    server(() => json(200, page([])));
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    expect(await screen.findByText("No events in this time range.")).toBeInTheDocument();
    expect(await screen.findByLabelText("Example: send an event with curl")).toHaveTextContent("POST http://localhost:3000/api/v1/events");
    expect(screen.getByRole("link", { name: "API documentation" })).toHaveAttribute("href", "/api/docs");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("when the range is empty but matching events are stored outside it, says how many and goes to the newest", async () => {
    const archived = makeEvent({ id: "old-1", "@timestamp": "2022-05-01T04:42:11Z", message: "from an imported archive" });
    // In the default range: nothing; in all time, or in 2022: the archive.
    const { calls } = server((_call, url) => {
      const from = url.searchParams.get("from");
      return json(200, from && !from.startsWith("2022") ? page([]) : page([archived], { total: from ? 1 : 8134 }));
    });
    renderWithProviders(<EventsPage />, { route: "/events?q=host.name%3Awind10", me: makeMe() });
    expect(await screen.findByText("No events match this search in this time range.")).toBeInTheDocument();
    const status = await screen.findByText(/8,134 matching events are stored outside it, the newest at/);
    expect(status).toHaveTextContent("2022");
    expect(screen.queryByLabelText("Example: send an event with curl")).not.toBeInTheDocument();
    // The all-time search keeps the query.
    expect(searches(calls).some((p) => !p.has("from") && p.get("query") === "host.name:wind10" && p.get("size") === "1")).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Show the week up to it" }));
    expect(await screen.findByText("from an imported archive")).toBeInTheDocument();
    const last = searches(calls).at(-1);
    expect(last?.get("from")).toBe("2022-04-24T04:42:11.000Z");
    expect(last?.get("to")).toBe("2022-05-01T04:42:12.000Z");
    expect(last?.get("query")).toBe("host.name:wind10");
  });

  it("offers all of an archive's events at once, from the month of the oldest", async () => {
    const archived = makeEvent({ id: "old-1", "@timestamp": "2023-01-24T11:54:42Z", message: "the newest of the archive" });
    const history = makeStats({
      total: 8134,
      interval_seconds: 2592000,
      over_time: [
        { start: "2017-04-24T00:00:00Z", count: 0, by_severity: {} },
        { start: "2017-05-24T00:00:00Z", count: 12, by_severity: { info: 12 } },
        { start: "2023-01-15T00:00:00Z", count: 5, by_severity: { info: 5 } },
      ],
    });
    const { calls } = stubFetch((call) => {
      const url = new URL(call.url, "http://localhost");
      const from = url.searchParams.get("from");
      if (url.pathname === "/api/v1/events/stats/summary") return json(200, from === "1970-01-01T00:00:00Z" ? history : makeStats());
      if (url.pathname === "/api/v1/events") return json(200, from && !from.startsWith("2017") ? page([]) : page([archived], { total: 8134 }));
      return json(200, makeMe());
    });
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const all = await screen.findByRole("button", { name: /^Show all of them, since .*2017/ });
    // The count over all history ends a second after the newest event.
    const counted = calls.map((c) => new URL(c.url, "http://localhost")).find((u) => u.pathname === "/api/v1/events/stats/summary" && u.searchParams.get("from") === "1970-01-01T00:00:00Z");
    expect(counted?.searchParams.get("to")).toBe("2023-01-24T11:54:43.000Z");
    await userEvent.click(all);
    expect(await screen.findByText("the newest of the archive")).toBeInTheDocument();
    const last = searches(calls).at(-1);
    expect(last?.get("from")).toBe("2017-05-24T00:00:00.000Z");
    expect(last?.get("to")).toBe("2023-01-24T11:54:43.000Z");
  });

  it("exports the search in the chosen format through the API client, with the CSRF header", async () => {
    document.cookie = "es_csrf=tok-1; path=/";
    const createObjectURL = vi.fn(() => "blob:export");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { calls } = stubFetch((call) => {
      const url = new URL(call.url, "http://localhost");
      if (url.pathname === "/api/v1/events/export")
        return new Response("a,b\n1,2\n", { status: 200, headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="eventsec-events-20261123.csv"' } });
      if (url.pathname === "/api/v1/events/stats/summary") return json(200, stats);
      return json(200, page());
    });
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events?q=user.name%3Aroot&sev=high&range=7d", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Export" }));
    const dialog = screen.getByRole("dialog", { name: "Export events" });
    // Told as the server writes them: ECS documents, in the order on screen.
    expect(within(dialog).getByRole("radio", { name: /NDJSON/ })).toHaveAccessibleName(/event\.original.*Not the API's shape/);
    expect(dialog).toHaveTextContent("Every format lists the events newest first");
    await user.click(within(dialog).getByRole("radio", { name: /CSV/ }));
    await user.click(within(dialog).getByRole("button", { name: "Download CSV" }));
    expect(await within(dialog).findByText("Downloaded eventsec-events-20261123.csv (8 B).")).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.url).toBe("/api/v1/events/export");
    expect(post?.body).toEqual({ query: "user.name:root", severity: ["high"], from: "now-7d", to: "", format: "csv", order: "desc" });
    expect(post?.headers["x-csrf-token"]).toBe("tok-1");
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalled();
  });
});

/** A time `seconds` ago, as the server stamps events. */
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

describe("EventsPage live mode", () => {
  let WS: typeof FakeWebSocket;
  beforeEach(() => {
    WS = installFakeWebSocket();
  });

  async function startLive(route = "/events?q=user.name%3Aroot") {
    server();
    const user = userEvent.setup();
    const r = renderWithProviders(<EventsPage />, { route, me: makeMe() });
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(screen.getByRole("button", { name: "Live mode" }));
    const ws = WS.latest();
    act(() => ws.open());
    return { ...r, user, table, ws };
  }

  it("subscribes to security:events with the search as the filter", async () => {
    const { ws } = await startLive();
    expect(ws.url).toBe("ws://localhost:3000/api/v1/ws");
    expect(ws.sent).toEqual([{ type: "subscribe", channels: ["security:events"], filter: "user.name:root" }]);
    expect(screen.getByRole("button", { name: "Live mode" })).toHaveAttribute("aria-pressed", "true");
  });

  it("puts new events on top, and skips bands that are filtered out", async () => {
    const { ws, table } = await startLive("/events?q=user.name%3Aroot&sev=medium,critical");
    act(() => {
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "live-1", "@timestamp": ago(1), severity_label: "critical", message: "brand new", fields: { host: { name: "web-9" } } }) });
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "live-2", "@timestamp": ago(1), severity_label: "low", message: "not wanted" }) });
    });
    await vi.waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    const first = within(table).getAllByRole("row")[1] as HTMLElement;
    expect(first).toHaveTextContent("web-9");
    expect(first).toHaveTextContent("Critical");
    expect(within(table).queryByText("not wanted")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "3 events · 1 of them arrived live" })).toBeInTheDocument();
    expect(screen.getByText("Showing 3 of 3, newest first")).toBeInTheDocument();
  });

  it("lists live events by their time, newest first, and leaves out those outside the range", async () => {
    const { ws, table } = await startLive("/events?q=user.name%3Aroot&range=15m");
    act(() => {
      // A burst sent oldest first, and one from an old archive.
      for (const s of [4, 3, 2, 1, 0]) ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: `live-${s}`, "@timestamp": ago(s), fields: { host: { name: `web-${s}` } } }) });
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "old", "@timestamp": "2020-01-01T00:00:00Z", fields: { host: { name: "archive" } } }) });
    });
    await vi.waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(8));
    const hosts = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((r) => within(r).getAllByRole("cell")[2]?.textContent);
    expect(hosts).toEqual(["web-0", "web-1", "web-2", "web-3", "web-4", "web-1", "DC01"]);
    expect(within(table).queryByText("archive")).not.toBeInTheDocument();
    expect(screen.getByText("1 live event was stamped outside the time range and is not listed.")).toBeInTheDocument();
    // The heading, the list and the chart count the same events.
    expect(screen.getByRole("heading", { name: "7 events · 5 of them arrived live" })).toBeInTheDocument();
    expect(screen.getByText("Showing 7 of 7, newest first")).toBeInTheDocument();
    const bars = screen.getAllByRole("button", { name: /Zoom in$/ });
    const charted = bars.reduce((n, b) => n + Number(/: (\d+) events?/.exec(b.getAttribute("aria-label") ?? "")?.[1] ?? 0), 0);
    expect(charted).toBe(7);
  });

  it("tells how many events the server dropped", async () => {
    const { ws } = await startLive();
    act(() => ws.receive({ channel: "system", type: "dropped", data: { count: 5 } }));
    expect(await screen.findByText(/^5 dropped/)).toBeInTheDocument();
  });

  it("shows the server's refusal of the filter", async () => {
    const { ws } = await startLive();
    act(() => ws.receive({ channel: "system", type: "error", data: { message: "bad filter: unexpected )" } }));
    expect(await screen.findByText("Live mode: bad filter: unexpected )")).toBeInTheDocument();
  });

  it("pauses while an event is open, holding new ones until resumed", async () => {
    const { ws, table, user } = await startLive();
    await user.click(within(table).getAllByRole("button", { name: /^Open event/ })[0] as HTMLElement);
    act(() => ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "live-3", "@timestamp": ago(1), fields: { host: { name: "held-back" } } }) }));
    expect(await screen.findByText(/Live mode is paused while you read: 1 new event waiting/)).toBeInTheDocument();
    expect(within(table).queryByText("held-back")).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    await vi.waitFor(() => expect(within(table).getByText("held-back")).toBeInTheDocument());
  });

  it("resubscribes when the search changes, and closes the socket when switched off", async () => {
    const { user } = await startLive();
    const first = WS.latest();
    const input = screen.getByRole("searchbox", { name: "Search" });
    await user.clear(input);
    await user.type(input, "host.name:web-1{Enter}");
    await vi.waitFor(() => expect(WS.instances.length).toBe(2));
    const second = WS.latest();
    act(() => second.open());
    expect(first.readyState).toBe(3);
    expect(second.sent).toEqual([{ type: "subscribe", channels: ["security:events"], filter: "host.name:web-1" }]);
    await user.click(screen.getByRole("button", { name: "Live mode" }));
    expect(second.readyState).toBe(3);
  });

  it("shows newest first: starting it sorts newest first, sorting oldest first ends it", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?order=asc", me: makeMe() });
    await screen.findByRole("table", { name: "Events, oldest first" });
    const live = screen.getByRole("button", { name: "Live mode" });
    expect(live).toHaveAttribute("title", expect.stringContaining("newest first"));
    await user.click(live);
    expect(location.search.has("order")).toBe(false);
    expect(live).toHaveAttribute("aria-pressed", "true");
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    await user.click(within(table).getByRole("button", { name: /^Time/ }));
    expect(location.search.get("order")).toBe("asc");
    expect(live).toHaveAttribute("aria-pressed", "false");
    expect(WS.latest().readyState).toBe(3);
  });

  it("is off for a fixed time range", async () => {
    server();
    renderWithProviders(<EventsPage />, { route: "/events?from=2026-11-23T09:00:00Z&to=2026-11-23T10:00:00Z", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    expect(screen.getByRole("button", { name: "Live mode" })).toBeDisabled();
  });
});
