// Times come from the API as RFC 3339 UTC strings; people read them in their
// own time zone, with the exact UTC value on hover. A time standing on its
// own carries its zone ("03:47:22 UTC-05:00"): an alert's description and
// the log files write UTC, and a reader comparing the two must see the
// shift. A table names the zone once, in its time column's header.

import { formatOffset, zoneLabel, zoneName } from "../components/timezone";

const formatter = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

export function formatTime(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return formatter.format(d);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "2026-11-20 08:47:22 UTC": the exact time, as the server and log files write it. */
export function formatUTC(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * The reader's offset from UTC at that time ("UTC-05:00"): daylight saving
 * makes a summer time's offset differ from a winter one's. "" when the
 * value is not a time.
 */
export function zoneAt(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? "" : formatOffset(d.getTimezoneOffset());
}

/** "Nov 20, 2026, 03:47:22 UTC-05:00": formatTime with the zone. */
export function formatZonedTime(value: string): string {
  const zone = zoneAt(value);
  return zone ? `${formatTime(value)} ${zone}` : formatTime(value);
}

/** "from – to UTC-05:00", the zone written once when both ends share it. */
export function formatTimeRange(from: string, to: string): string {
  const zf = zoneAt(from);
  const zt = zoneAt(to);
  if (zf === zt) return `${formatTime(from)} – ${formatTime(to)}${zt ? ` ${zt}` : ""}`;
  return `${formatZonedTime(from)} – ${formatZonedTime(to)}`;
}

/** A hover text for a time: the reader's time with its zone, and the same in UTC. */
function timeTitle(value: string): string {
  const zone = zoneAt(value);
  if (!zone) return value;
  return zone === "UTC" ? formatUTC(value) : `${formatZonedTime(value)}\n${formatUTC(value)}`;
}

/**
 * A <time> element, or `empty` when the value is null. `zone` writes the
 * reader's offset after it, for a time shown outside a table whose header
 * names the zone.
 */
export function Time({ value, empty = "—", zone = false }: { value: string | null | undefined; empty?: string; zone?: boolean }) {
  if (!value) return <span className="muted">{empty}</span>;
  const z = zone ? zoneAt(value) : "";
  return (
    <time dateTime={value} title={timeTitle(value)}>
      {formatTime(value)}
      {z ? <span className="time-zone"> {z}</span> : null}
    </time>
  );
}

/**
 * "Time (UTC-05:00)": a time column's name with the reader's zone, as the
 * Events table writes it; the zone's name (America/New_York) on hover.
 */
export function ZonedHeading({ label }: { label: string }) {
  const name = zoneName();
  return (
    <span title={`Times in your browser's time zone${name ? ` (${name})` : ""}`}>
      {label} <span className="th-zone">({zoneLabel()})</span>
    </span>
  );
}

const compact = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/**
 * A shorter form for dense tables, to the second: without the year for
 * times of this year, with it otherwise (an imported archive's events
 * and alerts must not read as this year's).
 */
export function formatCompactTime(value: string, now: Date = new Date()): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.getFullYear() === now.getFullYear() ? compact.format(d) : formatter.format(d);
}

/** A <time> in the compact form, the full one on hover; `zone` as for Time. */
export function CompactTime({ value, zone = false }: { value: string; zone?: boolean }) {
  const z = zone ? zoneAt(value) : "";
  return (
    <time dateTime={value} title={timeTitle(value)}>
      {formatCompactTime(value)}
      {z ? <span className="time-zone"> {z}</span> : null}
    </time>
  );
}

const monthFormatter = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long" });

/** "May 2017": a time known to the month (the start of a coarse bucket). */
export function formatMonth(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return monthFormatter.format(d);
}
