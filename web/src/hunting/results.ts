// A KQL result as the page shows and exports it: values as text, the
// column the timeline counts by, the timeline's hourly bars, and CSV and
// JSON made in the browser from the rows it has.

import type { KqlColumn, KqlValue } from "../api/hunting";

/** The full text of a value: dynamic values as JSON, null as "". */
export function valueText(value: KqlValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The column the timeline counts by: TimeGenerated when it is a datetime, else the first datetime column; -1 when none. */
export function timeColumnIndex(columns: readonly KqlColumn[]): number {
  const generated = columns.findIndex((c) => c.name === "TimeGenerated" && c.type === "datetime");
  if (generated >= 0) return generated;
  return columns.findIndex((c) => c.type === "datetime");
}

export interface TimelineBar {
  /** RFC 3339, inclusive. */
  start: string;
  /** RFC 3339, exclusive. */
  end: string;
  count: number;
}

export interface Timeline {
  bars: TimelineBar[];
  max: number;
  /** Rows counted (those with a time). */
  counted: number;
  /** Milliseconds per bar: an hour, or a day when hours would be too many to draw. */
  stepMs: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** At most this many hourly bars (a month); beyond, a bar per day. */
export const MAX_HOURLY_BARS = 744;
const MAX_BARS = 2000;

/**
 * Rows per hour of `rows[*][col]`, empty hours included. The bars cover the
 * rows' times and, when it is given and not too long, the queried range;
 * a day per bar when an hour per bar would make more than a month of bars.
 */
export function timelineOf(rows: readonly KqlValue[][], col: number, range?: { from: number; to: number }): Timeline {
  const times: number[] = [];
  for (const row of rows) {
    const v = row[col];
    if (typeof v !== "string") continue;
    const t = Date.parse(v);
    if (!Number.isNaN(t)) times.push(t);
  }
  if (times.length === 0) return { bars: [], max: 0, counted: 0, stepMs: HOUR };
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  // The queried range adds context (the empty hours around the rows) when the rows fall inside it.
  if (range && range.to > range.from && lo >= range.from && hi <= range.to && (range.to - range.from) / HOUR <= MAX_HOURLY_BARS) {
    lo = range.from;
    hi = range.to - 1;
  }
  let stepMs = HOUR;
  if (Math.floor(hi / HOUR) - Math.floor(lo / HOUR) + 1 > MAX_HOURLY_BARS) stepMs = DAY;
  const first = Math.floor(lo / stepMs) * stepMs;
  let n = Math.floor(hi / stepMs) - Math.floor(lo / stepMs) + 1;
  if (n > MAX_BARS) {
    // Decades of data: bars as wide as needed to draw MAX_BARS of them.
    stepMs = Math.ceil((hi - first + 1) / MAX_BARS / DAY) * DAY;
    n = Math.floor((hi - first) / stepMs) + 1;
  }
  const counts = new Array<number>(n).fill(0);
  for (const t of times) {
    const i = Math.floor((t - first) / stepMs);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  let max = 0;
  const bars = counts.map((count, i) => {
    if (count > max) max = count;
    const start = first + i * stepMs;
    return { start: new Date(start).toISOString(), end: new Date(start + stepMs).toISOString(), count };
  });
  return { bars, max, counted: times.length, stepMs };
}

// Spreadsheets run a cell that starts with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: KqlValue, type: string): string {
  let s = valueText(value);
  if (type === "string" && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * RFC 4180 CSV: a header of column names, CRLF line ends, fields quoted
 * when they must be. A string cell that a spreadsheet would run as a
 * formula (=, +, -, @) starts with ' so that opening the file runs nothing.
 */
export function toCsv(columns: readonly KqlColumn[], rows: readonly KqlValue[][]): string {
  const lines = [columns.map((c) => csvField(c.name, "string")).join(",")];
  for (const row of rows) lines.push(columns.map((c, i) => csvField(row[i] ?? null, c.type)).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The rows as a JSON array of objects, column name to value (dynamic values as JSON), one row a line. */
export function toJson(columns: readonly KqlColumn[], rows: readonly KqlValue[][]): string {
  if (rows.length === 0) return "[]\n";
  return `[\n${rows.map((row) => JSON.stringify(rowObject(columns, row))).join(",\n")}\n]\n`;
}

/** A row as an object, column name to value. */
export function rowObject(columns: readonly KqlColumn[], row: readonly KqlValue[]): Record<string, KqlValue> {
  const out: Record<string, KqlValue> = {};
  columns.forEach((c, i) => {
    out[c.name] = row[i] ?? null;
  });
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** eventsec-hunting-20261123-101500.csv, in the reader's time. */
export function exportFilename(ext: "csv" | "json", now = new Date()): string {
  const d = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const t = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `eventsec-hunting-${d}-${t}.${ext}`;
}

/** Hands `text` to the browser as a file download. */
export function saveFile(text: string, filename: string, type: string): void {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "1.2 s" or "340 ms". */
export function formatElapsed(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms).toLocaleString()} ms`;
}
