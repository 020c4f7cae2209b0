// The counts over time of GET /api/v1/events/stats/summary as bars: one per
// interval, stacked by severity (info at the bottom, critical on top),
// empty intervals included so that time reads evenly left to right.

import { SEVERITIES, type EventStats, type SecurityEvent, type Severity } from "../api/types";

export interface BarSegment {
  severity: Severity;
  count: number;
}

export interface HistogramBar {
  /** RFC 3339, inclusive. */
  start: string;
  /** RFC 3339, exclusive: the next bar's start. */
  end: string;
  count: number;
  /** Non-empty bands only, least severe first. */
  segments: BarSegment[];
}

export interface Histogram {
  bars: HistogramBar[];
  /** The tallest bar's count (0 when every bar is empty). */
  max: number;
  intervalSeconds: number;
}

// More bars than this are not drawn as a grid; the server's buckets are used as they are.
const MAX_BARS = 1000;

export function histogramOf(stats: Pick<EventStats, "over_time" | "interval_seconds" | "from" | "to">): Histogram {
  const stepMs = Math.max(1, stats.interval_seconds) * 1000;
  const byStart = new Map<number, EventStats["over_time"][number]>();
  for (const b of stats.over_time) {
    const t = Date.parse(b.start);
    if (!Number.isNaN(t)) byStart.set(t, b);
  }

  let starts = [...byStart.keys()].sort((a, b) => a - b);
  const from = stats.from ? Date.parse(stats.from) : NaN;
  const to = stats.to ? Date.parse(stats.to) : NaN;
  if (!Number.isNaN(from) && !Number.isNaN(to) && to > from) {
    // A grid aligned like the server's buckets (on multiples of the interval
    // since the epoch), used only when every bucket the server sent is on it.
    const first = Math.floor(from / stepMs) * stepMs;
    const n = Math.ceil((to - first) / stepMs);
    if (n > 0 && n <= MAX_BARS) {
      const grid = Array.from({ length: n }, (_, i) => first + i * stepMs);
      const onGrid = new Set(grid);
      if (starts.every((s) => onGrid.has(s))) starts = grid;
    }
  }

  let max = 0;
  const bars = starts.map((t) => {
    const b = byStart.get(t);
    const segments: BarSegment[] = [];
    for (const severity of SEVERITIES) {
      const count = b?.by_severity[severity] ?? 0;
      if (count > 0) segments.push({ severity, count });
    }
    const count = b?.count ?? 0;
    if (count > max) max = count;
    return { start: new Date(t).toISOString(), end: new Date(t + stepMs).toISOString(), count, segments };
  });
  return { bars, max, intervalSeconds: stats.interval_seconds };
}

type Counted = Pick<EventStats, "total" | "over_time" | "interval_seconds" | "from" | "to">;

/**
 * `stats` with `events` (arrived live since it was counted) added: each in
 * the bucket that holds its time, or in a new one on the interval grid, and
 * `to` moved up to the newest, so that the chart and the count shown above
 * it include what live mode lists.
 */
export function withEvents<T extends Counted>(stats: T, events: readonly SecurityEvent[]): T {
  if (events.length === 0) return stats;
  const stepMs = Math.max(1, stats.interval_seconds) * 1000;
  const buckets = stats.over_time.map((b) => ({ ...b, by_severity: { ...b.by_severity } }));
  let to = stats.to ? Date.parse(stats.to) : NaN;
  for (const ev of events) {
    const t = Date.parse(ev["@timestamp"]);
    if (Number.isNaN(t)) continue;
    let b = buckets.find((x) => {
      const start = Date.parse(x.start);
      return t >= start && t < start + stepMs;
    });
    if (!b) {
      b = { start: new Date(Math.floor(t / stepMs) * stepMs).toISOString(), count: 0, by_severity: {} };
      buckets.push(b);
    }
    b.count++;
    b.by_severity[ev.severity_label] = (b.by_severity[ev.severity_label] ?? 0) + 1;
    if (!Number.isNaN(to) && t >= to) to = t + 1;
  }
  buckets.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return { ...stats, total: stats.total + events.length, over_time: buckets, to: Number.isNaN(to) ? stats.to : new Date(to).toISOString() };
}

/** The range covered by bars `a` to `b` (in either order), for zooming in. */
export function barsRange(h: Histogram, a: number, b: number): { from: string; to: string } | null {
  const lo = h.bars[Math.min(a, b)];
  const hi = h.bars[Math.max(a, b)];
  if (!lo || !hi) return null;
  return { from: lo.start, to: hi.end };
}

/** "5 min", "1 h", "1 d": how long one bar is. */
export function intervalLabel(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
