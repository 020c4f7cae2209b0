// What the Hunting page last ran, kept in the URL so that a reload or a
// shared link shows the same query (it is not run again by itself):
//   q      the KQL query
//   range  1h, 24h (default), 7d or 30d — or, instead,
//   from, to  an absolute range as RFC 3339 UTC times
//   limit  rows to show, 1 to 500 (default 100)

import { presetMs } from "../events/TimeRangePicker";
import { readRange, writeRange, type PresetKey, type TimeRange } from "../events/searchState";

export const HUNT_PRESETS = ["1h", "24h", "7d", "30d"] as const satisfies readonly PresetKey[];

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;
/** How many rows an export of everything asks for (the API's cap). */
export const EXPORT_LIMIT = 10_000;

/** The seed's example: the first query a new workbench shows. */
export const EXAMPLE_QUERY = 'SecurityEvent | where severity == "high" and message contains "phish" | limit 50';

export interface HuntState {
  query: string;
  range: TimeRange;
  limit: number;
}

export function readHuntState(params: URLSearchParams): HuntState {
  let range = readRange(params);
  if (range.kind === "preset" && !(HUNT_PRESETS as readonly string[]).includes(range.preset)) range = { kind: "preset", preset: "24h" };
  const limit = parseLimit(params.get("limit") ?? "");
  return { query: params.get("q") ?? "", range, limit: limit ?? DEFAULT_LIMIT };
}

export function writeHuntState(state: HuntState, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const params = new URLSearchParams(base);
  params.delete("q");
  params.delete("limit");
  if (state.query.trim() !== "") params.set("q", state.query);
  writeRange(params, state.range);
  if (state.limit !== DEFAULT_LIMIT) params.set("limit", String(state.limit));
  return params;
}

/** A whole number from 1 to MAX_LIMIT, or null. */
export function parseLimit(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number.parseInt(text, 10);
  return n >= 1 && n <= MAX_LIMIT ? n : null;
}

/** The range as absolute RFC 3339 bounds; a preset ends `now`. Sent so, an export run again reads the same window. */
export function absoluteRange(range: TimeRange, now = Date.now()): { from: string; to: string } {
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  return { from: new Date(now - presetMs(range.preset)).toISOString(), to: new Date(now).toISOString() };
}
