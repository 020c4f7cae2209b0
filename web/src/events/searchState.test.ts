import { describe, expect, it } from "vitest";
import {
  addClause,
  apiFilter,
  eventsLink,
  fieldClause,
  fromLocalInput,
  inRange,
  queryValue,
  readOrder,
  readSearchState,
  toLocalInput,
  writeOrder,
  writeSearchState,
  type SearchState,
} from "./searchState";

const p = (s: string) => new URLSearchParams(s);

describe("search state in the URL", () => {
  it("defaults to every event of the last 24 hours", () => {
    expect(readSearchState(p(""))).toEqual({ query: "", range: { kind: "preset", preset: "24h" }, severities: [] });
    expect(writeSearchState(readSearchState(p(""))).toString()).toBe("");
  });

  it.each([
    ["q=user.name%3Aroot&range=15m&sev=high,critical", { query: "user.name:root", range: { kind: "preset", preset: "15m" }, severities: ["high", "critical"] }],
    ["range=7d", { query: "", range: { kind: "preset", preset: "7d" }, severities: [] }],
    [
      "from=2026-11-23T10:00:00.000Z&to=2026-11-23T11:00:00.000Z&q=%22failed+password%22",
      { query: '"failed password"', range: { kind: "absolute", from: "2026-11-23T10:00:00.000Z", to: "2026-11-23T11:00:00.000Z" }, severities: [] },
    ],
  ] as const)("round-trips %s", (search, state) => {
    const read = readSearchState(p(search));
    expect(read).toEqual(state);
    expect(readSearchState(writeSearchState(read))).toEqual(state);
  });

  it("ignores what it does not understand: unknown presets, bands, and inverted or broken ranges", () => {
    expect(readSearchState(p("range=2y&sev=loud,HIGH,low,high"))).toEqual({ query: "", range: { kind: "preset", preset: "24h" }, severities: ["low", "high"] });
    expect(readSearchState(p("from=2026-11-23T11:00:00Z&to=2026-11-23T10:00:00Z&range=1h")).range).toEqual({ kind: "preset", preset: "1h" });
    expect(readSearchState(p("from=yesterday&to=2026-11-23T10:00:00Z")).range).toEqual({ kind: "preset", preset: "24h" });
  });

  it("an absolute range replaces a preset and keeps other parameters (the open event)", () => {
    const state: SearchState = { query: "host.name:web-1", range: { kind: "absolute", from: "2026-11-23T10:00:00.000Z", to: "2026-11-23T10:05:00.000Z" }, severities: [] };
    const out = writeSearchState(state, p("range=1h&event=e-1"));
    expect(out.get("range")).toBeNull();
    expect(out.get("from")).toBe("2026-11-23T10:00:00.000Z");
    expect(out.get("event")).toBe("e-1");
  });

  it("asks the API with a relative from for presets and both ends for absolute ranges", () => {
    expect(apiFilter(readSearchState(p("range=15m&sev=high")))).toEqual({ query: "", severity: ["high"], from: "now-15m" });
    expect(apiFilter(readSearchState(p("from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z")))).toEqual({
      query: "",
      severity: [],
      from: "2026-11-23T10:00:00.000Z",
      to: "2026-11-23T11:00:00.000Z",
    });
  });

  it("converts datetime-local values (the reader's wall clock) to UTC and back", () => {
    const iso = fromLocalInput("2026-11-23T10:30");
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso ?? "")).toBe("2026-11-23T10:30");
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("not a date")).toBeNull();
  });

  it("keeps the list's order apart: order=asc, newest first without it, and a new search keeps it", () => {
    expect(readOrder(p(""))).toBe("desc");
    expect(readOrder(p("order=asc"))).toBe("asc");
    expect(readOrder(p("order=sideways"))).toBe("desc");
    const params = p("q=x");
    writeOrder(params, "asc");
    expect(params.toString()).toBe("q=x&order=asc");
    expect(writeSearchState({ query: "y", range: { kind: "preset", preset: "1h" }, severities: [] }, params).get("order")).toBe("asc");
    writeOrder(params, "desc");
    expect(params.has("order")).toBe(false);
  });

  it("links to a search", () => {
    expect(eventsLink('host.name:"web-1"')).toBe("/events?q=host.name%3A%22web-1%22");
    expect(eventsLink("", { kind: "preset", preset: "7d" }, ["critical"])).toBe("/events?range=7d&sev=critical");
  });
});

describe("filter for and filter out", () => {
  it("quotes strings, escapes quotes and backslashes, leaves numbers bare", () => {
    expect(queryValue("root")).toBe('"root"');
    expect(queryValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(queryValue("C:\\Windows")).toBe('"C:\\\\Windows"');
    expect(queryValue(4242)).toBe("4242");
    expect(fieldClause("user.name", "root")).toBe('user.name:"root"');
    expect(fieldClause("user.name", "root", true)).toBe('NOT user.name:"root"');
  });

  it("adds a clause with AND, grouping a query that has OR, once", () => {
    expect(addClause("", 'user.name:"root"')).toBe('user.name:"root"');
    expect(addClause("failed", 'user.name:"root"')).toBe('failed AND user.name:"root"');
    expect(addClause("a OR b", 'NOT host.name:"x"')).toBe('(a OR b) AND NOT host.name:"x"');
    expect(addClause('user.name:"root"', 'user.name:"root"')).toBe('user.name:"root"');
  });
});

describe("the long presets", () => {
  const p = (s: string) => new URLSearchParams(s);
  it.each([
    ["range=90d", "90d", { from: "now-90d" }],
    ["range=1y", "1y", { from: "now-365d" }],
    ["range=all", "all", {}],
  ])("%s is read, written back and sent as the API takes it", (url, preset, range) => {
    const state = readSearchState(p(url));
    expect(state.range).toEqual({ kind: "preset", preset });
    expect(writeSearchState(state).get("range")).toBe(preset);
    expect(apiFilter(state)).toEqual({ query: "", severity: [], ...range });
  });
});

describe("inRange", () => {
  const now = Date.parse("2026-11-25T10:00:00Z");
  it.each([
    ["2026-11-25T09:50:00Z", { kind: "preset", preset: "15m" }, true],
    ["2026-11-25T09:40:00Z", { kind: "preset", preset: "15m" }, false],
    ["2020-01-01T00:00:00Z", { kind: "preset", preset: "24h" }, false],
    ["2020-01-01T00:00:00Z", { kind: "preset", preset: "all" }, true],
    ["2026-01-01T00:00:00Z", { kind: "preset", preset: "1y" }, true],
    // Presets have no end, like the search they tail.
    ["2026-11-25T10:05:00Z", { kind: "preset", preset: "15m" }, true],
    ["2026-11-23T10:00:00Z", { kind: "absolute", from: "2026-11-23T10:00:00.000Z", to: "2026-11-23T11:00:00.000Z" }, true],
    ["2026-11-23T11:00:00Z", { kind: "absolute", from: "2026-11-23T10:00:00.000Z", to: "2026-11-23T11:00:00.000Z" }, false],
    ["not a time", { kind: "preset", preset: "all" }, false],
  ] as const)("%s in %o: %s", (ts, range, want) => {
    expect(inRange(ts, range, now)).toBe(want);
  });
});
