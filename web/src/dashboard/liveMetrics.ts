// The metrics channel's snapshots (internal/live/metrics.go): every 5 s,
// the org's events received and stored and the alerts raised over those
// seconds; platform admins also get the ingest pipeline's per-listener
// figures. The Dashboard keeps the last few minutes of them.

export interface MetricsSnapshot {
  time: string;
  interval_seconds: number;
  events: {
    received: number;
    stored: number;
    received_per_second: number;
    stored_per_second: number;
    by_severity: Record<string, number>;
    received_total: number;
    stored_total: number;
  };
  alerts: { raised: number; raised_total: number; open?: number; open_capped?: boolean };
  pipeline?: PipelineFigures;
}

export interface PipelineFigures {
  in_flight: number;
  in_flight_limit: number;
  listeners: ListenerFigures[];
}

export interface ListenerFigures {
  listener: string;
  received: number;
  parsed: number;
  failed: number;
  stored: number;
  duplicates: number;
  rejected: number;
  refused: number;
  dropped: number;
  store_errors: number;
  dropped_by_reason?: Record<string, number>;
  batches: number;
  batch_latency_ms: number;
  in_flight: number;
  connections: number;
  received_total: number;
  stored_total: number;
  dropped_total: number;
}

/** How many snapshots the Dashboard keeps: five minutes at one every 5 s. */
export const HISTORY = 60;

/** readSnapshot returns the snapshot a metrics message carries, or null for anything else. */
export function readSnapshot(data: unknown): MetricsSnapshot | null {
  if (!data || typeof data !== "object") return null;
  const s = data as Partial<MetricsSnapshot>;
  if (typeof s.time !== "string" || typeof s.interval_seconds !== "number" || !s.events || typeof s.events.received !== "number" || !s.alerts) return null;
  return s as MetricsSnapshot;
}

/** pushSnapshot appends snap to history, oldest first, keeping the last HISTORY. */
export function pushSnapshot(history: readonly MetricsSnapshot[], snap: MetricsSnapshot): MetricsSnapshot[] {
  const next = [...history, snap];
  return next.length > HISTORY ? next.slice(next.length - HISTORY) : next;
}

/** formatRate writes events per second as people read them: 0.4/s, 12/s, 12,480/s. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "0/s";
  if (perSecond < 10) return `${(Math.round(perSecond * 10) / 10).toLocaleString()}/s`;
  return `${Math.round(perSecond).toLocaleString()}/s`;
}

/** sparkPath draws values (one per snapshot) as an SVG path in a width × height box, the highest value at the top. */
export function sparkPath(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return "";
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${i === 0 ? "M" : "L"}${(i * step).toFixed(1)},${(height - (Math.max(v, 0) / max) * height).toFixed(1)}`)
    .join(" ");
}
