import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EventPage, EventTerms } from "../api/types";
import { makeEvent, makeStats } from "../test/events";
import { installFakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { EventsPage } from "./EventsPage";
import { share } from "./FieldsPanel";
import { compareFields, shownFields, termValue } from "./fields";

afterEach(() => {
  vi.unstubAllGlobals();
  window.localStorage.clear();
});

const ssh = makeEvent({ id: "e-1", severity_label: "medium" });
const win = makeEvent({
  id: "e-2",
  severity_label: "high",
  message: "An account failed to log on.",
  fields: {
    event: { code: "4625", dataset: "windows.security" },
    user: { name: "bob" },
    host: { name: "DC01" },
    winlog: { channel: "Security" },
    related: { user: ["bob", "administrator"] },
    process: { pid: 600 },
  },
});

/** What GET /api/v1/events/terms answers, by field. */
const TERMS: Record<string, EventTerms> = {
  "host.name": { field: "host.name", terms: [{ term: "web-1", count: 30 }, { term: 'DC01 "east"', count: 10 }], events: 40 },
  "source.port": { field: "source.port", terms: [{ term: "4242", count: 3 }], events: 3 },
};

function server() {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    if (url.pathname === "/api/v1/events/stats/summary") return json(200, makeStats({ total: 50 }));
    if (url.pathname === "/api/v1/events") return json(200, { items: [ssh, win], total: 50, next_cursor: null } satisfies EventPage);
    if (url.pathname === "/api/v1/events/terms") {
      const t = TERMS[url.searchParams.get("field") ?? ""];
      return t ? json(200, t) : json(200, { field: url.searchParams.get("field"), terms: [], events: 0 });
    }
    return json(404, { error: { code: "not_found", message: "no such thing" } });
  });
}

/** The field names the panel lists, in order (without the caret and the column mark). */
const fieldNames = (panel: HTMLElement) =>
  within(within(panel).getByRole("list", { name: "Fields of the events shown" }))
    .getAllByRole("button")
    .map((b) => (b.textContent ?? "").replace(/^[▸▾]/, "").replace(/, a table column▦$/, ""));

/** The panel, once the events are listed. */
async function shownPanel() {
  await screen.findByRole("table", { name: "Events, newest first" });
  return screen.getByRole("complementary", { name: "Fields" });
}

const termCalls = (calls: Call[]) => calls.filter((c) => c.url.startsWith("/api/v1/events/terms?")).map((c) => new URL(c.url, "http://localhost").searchParams);

describe("the Fields panel", () => {
  beforeEach(() => {
    installFakeWebSocket();
    window.localStorage.setItem("eventsec.events.fieldsPanel", "open");
  });

  it("lists the fields of the events shown, pinned ones first, and finds one by name", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const panel = await shownPanel();
    const names = fieldNames(panel);
    expect(names.slice(0, 4)).toEqual(["@timestamp", "message", "event.category", "event.code"]);
    // host.name, user.name and source.ip come before other ECS fields; winlog.* (not ECS) last.
    expect(names.indexOf("host.name")).toBeLessThan(names.indexOf("related.user"));
    expect(names.indexOf("source.ip")).toBeLessThan(names.indexOf("source.port"));
    expect(names.indexOf("process.pid")).toBeLessThan(names.indexOf("related.user"));
    expect(names.at(-1)).toBe("winlog.channel");
    expect(names.filter((n) => n === "source.geo.location.lat")).toHaveLength(1);

    await user.type(within(panel).getByRole("searchbox", { name: "Find a field" }), "GEO");
    await vi.waitFor(() =>
      expect(fieldNames(panel)).toEqual([
        "source.geo.city_name",
        "source.geo.country_iso_code",
        "source.geo.location.lat",
        "source.geo.location.lon",
      ]),
    );
    await user.clear(within(panel).getByRole("searchbox", { name: "Find a field" }));
    await user.type(within(panel).getByRole("searchbox", { name: "Find a field" }), "nothing");
    expect(await within(panel).findByText("No field matches “nothing”.")).toBeInTheDocument();
  });

  it("counts a field's top values over the whole search, with their share, and filters for and out of them", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?q=failed&range=7d&sev=medium,high", me: makeMe() });
    const panel = await shownPanel();
    const field = within(panel).getByRole("button", { name: "host.name, a table column" });
    expect(field).toHaveAttribute("aria-expanded", "false");
    await user.click(field);
    expect(field).toHaveAttribute("aria-expanded", "true");
    const values = await within(panel).findByRole("list", { name: "Top 2 values of host.name" });
    const q = termCalls(calls)[0];
    expect(q?.get("field")).toBe("host.name");
    expect(q?.get("query")).toBe("failed");
    expect(q?.get("from")).toBe("now-7d");
    expect(q?.get("severity")).toBe("medium,high");
    expect(q?.get("size")).toBe("5");
    // Shares of the 50 events the search matches, not of the 2 shown.
    const items = within(values).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("web-130 · 60%");
    expect(items[1]).toHaveTextContent('DC01 "east"10 · 20%');
    expect(within(panel).getByText("In 40 of 50 matching events (80%)")).toBeInTheDocument();

    // Quoted and escaped as the drawer's buttons do.
    await user.click(within(values).getByRole("button", { name: 'Filter for host.name: DC01 "east"' }));
    expect(location.search.get("q")).toBe('failed AND host.name:"DC01 \\"east\\""');
    // The values follow the new search.
    await vi.waitFor(() => expect(termCalls(calls).at(-1)?.get("query")).toBe('failed AND host.name:"DC01 \\"east\\""'));
    await user.click(await within(panel).findByRole("button", { name: "Filter out host.name: web-1" }));
    expect(location.search.get("q")).toBe('failed AND host.name:"DC01 \\"east\\"" AND NOT host.name:"web-1"');
  });

  it("filters by a number as a number, as the drawer does", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const panel = await shownPanel();
    await user.click(within(panel).getByRole("button", { name: "source.port" }));
    await user.click(await within(panel).findByRole("button", { name: "Filter for source.port: 4242" }));
    expect(location.search.get("q")).toBe("source.port:4242");
  });

  it("says when no event has the field in the search", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const panel = await shownPanel();
    await user.click(within(panel).getByRole("button", { name: "winlog.channel" }));
    expect(await within(panel).findByText("No values in this search.")).toBeInTheDocument();
    expect(within(panel).getByText("In 0 of 50 matching events (0%)")).toBeInTheDocument();
  });

  it("adds and removes the field as a table column, in the URL's columns", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events?cols=host.name,message", me: makeMe() });
    const panel = await shownPanel();
    const table = screen.getByRole("table", { name: "Events, newest first" });
    await user.click(within(panel).getByRole("button", { name: "winlog.channel" }));
    const toggle = within(panel).getByRole("button", { name: "Show winlog.channel as a table column" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    await user.click(toggle);
    expect(location.search.get("cols")).toBe("host.name,message,winlog.channel");
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(within(table).getByRole("columnheader", { name: "winlog.channel" })).toBeInTheDocument();
    expect(within(panel).getByRole("button", { name: "winlog.channel, a table column" })).toBeInTheDocument();
    await user.click(toggle);
    expect(location.search.get("cols")).toBe("host.name,message");
    expect(within(table).queryByRole("columnheader", { name: "winlog.channel" })).not.toBeInTheDocument();
  });

  it("works from the keyboard", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    const panel = await shownPanel();
    within(panel).getByRole("searchbox", { name: "Find a field" }).focus();
    await user.keyboard("host.n");
    await user.tab();
    expect(within(panel).getByRole("button", { name: "host.name, a table column" })).toHaveFocus();
    await user.keyboard("{Enter}");
    await within(panel).findByRole("list", { name: "Top 2 values of host.name" });
    await user.tab();
    expect(within(panel).getByRole("button", { name: "Filter for host.name: web-1" })).toHaveFocus();
    await user.keyboard(" ");
    expect(location.search.get("q")).toBe('host.name:"web-1"');
  });

  it("starts open where there is room for it beside the table, closed where there is not", async () => {
    window.localStorage.clear();
    server();
    const width = window.innerWidth;
    try {
      Object.defineProperty(window, "innerWidth", { value: 1440, configurable: true });
      const narrow = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
      await screen.findByRole("table", { name: "Events, newest first" });
      expect(screen.getByRole("button", { name: "Fields" })).toHaveAttribute("aria-expanded", "false");
      expect(screen.queryByRole("complementary", { name: "Fields" })).not.toBeInTheDocument();
      narrow.unmount();
      Object.defineProperty(window, "innerWidth", { value: 1920, configurable: true });
      renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
      await shownPanel();
      expect(screen.getByRole("button", { name: "Fields" })).toHaveAttribute("aria-expanded", "true");
    } finally {
      Object.defineProperty(window, "innerWidth", { value: width, configurable: true });
    }
  });

  it("collapses, and stays as it was left", async () => {
    server();
    const user = userEvent.setup();
    const first = renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await shownPanel();
    const toggle = screen.getByRole("button", { name: "Fields" });
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(toggle).toHaveAttribute("aria-controls", "events-fields");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("complementary", { name: "Fields" })).not.toBeInTheDocument();
    expect(window.localStorage.getItem("eventsec.events.fieldsPanel")).toBe("closed");
    first.unmount();

    renderWithProviders(<EventsPage />, { route: "/events", me: makeMe() });
    await screen.findByRole("table", { name: "Events, newest first" });
    expect(screen.getByRole("button", { name: "Fields" })).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("complementary", { name: "Fields" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Fields" }));
    expect(await screen.findByRole("complementary", { name: "Fields" })).toBeInTheDocument();
    expect(window.localStorage.getItem("eventsec.events.fieldsPanel")).toBe("open");
  });
});

describe("the field list's fields", () => {
  it("flattens the document, counts the events having each, and orders them", () => {
    const fields = shownFields([ssh, win]);
    const byPath = Object.fromEntries(fields.map((f) => [f.path, f]));
    expect(byPath["host.name"]).toMatchObject({ count: 2, kind: "string" });
    expect(byPath["source.port"]).toMatchObject({ count: 1, kind: "number" });
    expect(byPath["related.user"]).toMatchObject({ count: 1, kind: "string" });
    expect(byPath["@timestamp"]?.count).toBe(2);
    expect(byPath["input"]?.count).toBe(2);
    expect(byPath.event).toBeUndefined();
    expect(["zeek.x", "user.name", "agent.id", "event.code", "@timestamp", "process.name", "message"].sort(compareFields)).toEqual([
      "@timestamp",
      "message",
      "event.code",
      "user.name",
      "process.name",
      "agent.id",
      "zeek.x",
    ]);
  });

  it("types a value as the events shown have it, and gives shares readably", () => {
    expect(termValue("4242", "number")).toBe(4242);
    expect(termValue("n/a", "number")).toBe("n/a");
    expect(termValue("true", "boolean")).toBe(true);
    expect(termValue("4242", "string")).toBe("4242");
    expect([share(30, 50), share(1, 30), share(1, 5000), share(0, 10), share(5, 0)]).toEqual(["60%", "3.3%", "<0.1%", "0%", ""]);
    // A part is never 100%.
    expect([share(8411, 8431), share(9990, 10000), share(99995, 100000), share(7, 7)]).toEqual(["99.7%", "99.9%", ">99.9%", "100%"]);
  });
});
