// What the Events page searches for, kept in the URL's search parameters so
// that links, reloads and the back button show the same events:
//   q      the search syntax (docs/api.md "Searching")
//   range  a preset (15m, 1h, 24h, 7d, 30d, 90d, 1y, all) — or, instead,
//   from, to  an absolute range as RFC 3339 UTC times
//   sev    severity bands, comma-separated
//   order  asc: the list oldest first (absent: newest first); apart from
//          SearchState, as the count and the chart do not depend on it

import { SEVERITIES, isSeverity, type EventFilter, type EventOrder, type Severity } from "../api/types";

export const PRESETS = [
  { key: "15m", label: "15 min", long: "Last 15 minutes" },
  { key: "1h", label: "1 h", long: "Last hour" },
  { key: "24h", label: "24 h", long: "Last 24 hours" },
  { key: "7d", label: "7 d", long: "Last 7 days" },
  { key: "30d", label: "30 d", long: "Last 30 days" },
  { key: "90d", label: "90 d", long: "Last 90 days" },
  { key: "1y", label: "1 y", long: "Last 365 days" },
  // All time: a search without a start, for imported history of any age.
  { key: "all", label: "All", long: "All time" },
] as const;

export type PresetKey = (typeof PRESETS)[number]["key"];

export const DEFAULT_PRESET: PresetKey = "24h";

export type TimeRange = { kind: "preset"; preset: PresetKey } | { kind: "absolute"; from: string; to: string };

export interface SearchState {
  query: string;
  range: TimeRange;
  severities: Severity[];
}

export function isPreset(value: string | null | undefined): value is PresetKey {
  return PRESETS.some((p) => p.key === value);
}

function validTime(value: string | null): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The time range named by `from`/`to` (absolute, both valid) or `range` (a preset). */
export function readRange(params: URLSearchParams, fallback: PresetKey = DEFAULT_PRESET): TimeRange {
  const from = validTime(params.get("from"));
  const to = validTime(params.get("to"));
  if (from && to && from < to) return { kind: "absolute", from, to };
  const preset = params.get("range");
  return { kind: "preset", preset: isPreset(preset) ? preset : fallback };
}

export function readSearchState(params: URLSearchParams): SearchState {
  const sev = (params.get("sev") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(isSeverity);
  // Kept in band order, each once, whatever order the URL had.
  const severities = SEVERITIES.filter((s) => sev.includes(s));
  return { query: params.get("q") ?? "", range: readRange(params), severities };
}

/** `state` as search parameters; parameters of other features in `base` are kept. */
export function writeSearchState(state: SearchState, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const params = new URLSearchParams(base);
  for (const key of ["q", "range", "from", "to", "sev"]) params.delete(key);
  if (state.query.trim() !== "") params.set("q", state.query.trim());
  writeRange(params, state.range);
  if (state.severities.length > 0) params.set("sev", state.severities.join(","));
  return params;
}

/** The list's time order: `order=asc` oldest first, anything else newest first. */
export function readOrder(params: URLSearchParams): EventOrder {
  return params.get("order") === "asc" ? "asc" : "desc";
}

/** `order` into `params` (newest first, the default, is no parameter). */
export function writeOrder(params: URLSearchParams, order: EventOrder): void {
  if (order === "asc") params.set("order", "asc");
  else params.delete("order");
}

export function writeRange(params: URLSearchParams, range: TimeRange): void {
  params.delete("range");
  params.delete("from");
  params.delete("to");
  if (range.kind === "absolute") {
    params.set("from", range.from);
    params.set("to", range.to);
  } else if (range.preset !== DEFAULT_PRESET) {
    params.set("range", range.preset);
  }
}

/**
 * How far back a preset reaches, in milliseconds; null for all time.
 * The API's relative times know s, m, h, d and w, so a year is 365 days.
 */
export function presetSpanMs(key: PresetKey): number | null {
  if (key === "all") return null;
  if (key === "1y") return 365 * 86400_000;
  const n = Number.parseInt(key, 10);
  const unit = key.slice(-1);
  return n * (unit === "m" ? 60_000 : unit === "h" ? 3600_000 : 86400_000);
}

/**
 * The range as the API takes it: both ends of an absolute range; a
 * relative `from` for a preset (up to now, no `to`); nothing for all time,
 * which the API reads as no bound.
 */
export function apiRange(range: TimeRange): { from?: string; to?: string } {
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  const span = presetSpanMs(range.preset);
  if (span === null) return {};
  return { from: range.preset === "1y" ? "now-365d" : `now-${range.preset}` };
}

export function apiFilter(state: SearchState): EventFilter {
  const { from, to } = apiRange(state.range);
  const filter: EventFilter = { query: state.query.trim(), severity: state.severities };
  if (from) filter.from = from;
  if (to) filter.to = to;
  return filter;
}

/**
 * Whether an event stamped `timestamp` belongs to the results of `range`
 * as of `now`, as the API would have it: a preset reaches back from now
 * (with no end, like the search; all time has no start either), an
 * absolute range is [from, to). Live events are checked with it, so that
 * an event stamped 2020 does not join a "last 15 minutes" list.
 */
export function inRange(timestamp: string, range: TimeRange, now: number): boolean {
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return false;
  if (range.kind === "absolute") return t >= Date.parse(range.from) && t < Date.parse(range.to);
  const span = presetSpanMs(range.preset);
  return span === null || t >= now - span;
}

export function presetLabel(key: PresetKey): string {
  return PRESETS.find((p) => p.key === key)?.long ?? key;
}

/** "Last 24 hours", or the absolute range in the reader's time zone. */
export function rangeLabel(range: TimeRange, format: (iso: string) => string): string {
  if (range.kind === "preset") return presetLabel(range.preset);
  return `${format(range.from)} – ${format(range.to)}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An RFC 3339 time as a datetime-local value (the reader's wall clock, to the minute). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (the reader's wall clock) as RFC 3339 UTC; null when empty or invalid. */
export function fromLocalInput(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// --- Building queries from values ---

/** `value` as a search term: numbers and booleans bare, anything else quoted with \ and " escaped. */
export function queryValue(value: string | number | boolean): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `field:"value"`, or `NOT field:"value"` when `exclude`. */
export function fieldClause(field: string, value: string | number | boolean, exclude = false): string {
  return `${exclude ? "NOT " : ""}${field}:${queryValue(value)}`;
}

/**
 * `query` narrowed by `clause`. A query with OR is put in parentheses first,
 * so that the clause applies to all of it.
 */
export function addClause(query: string, clause: string): string {
  const q = query.trim();
  if (q === "") return clause;
  if (q.includes(clause)) return q;
  const grouped = /\bOR\b/.test(q) ? `(${q})` : q;
  return `${grouped} AND ${clause}`;
}

/** Link to the Events page searching `query` over `range`. */
export function eventsLink(query: string, range: TimeRange = { kind: "preset", preset: DEFAULT_PRESET }, severities: Severity[] = []): string {
  const params = writeSearchState({ query, range, severities });
  const s = params.toString();
  return s ? `/events?${s}` : "/events";
}

/**
 * The week up to an event's time (and a second past it): where a search
 * that found nothing in its range sends the reader when matching events
 * are stored outside it (an imported archive, say).
 */
export function weekUpTo(timestamp: string): TimeRange {
  const t = new Date(timestamp).getTime();
  return { kind: "absolute", from: new Date(t - 7 * 24 * 3600_000).toISOString(), to: new Date(t + 1000).toISOString() };
}
