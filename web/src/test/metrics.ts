// Metrics-channel snapshots for tests.

import type { MetricsSnapshot } from "../dashboard/liveMetrics";

/** makeSnapshot: 5 s in which `received` events arrived (all stored unless told) and `raised` alerts were raised. */
export function makeSnapshot(over: { received?: number; stored?: number; raised?: number; seconds?: number } = {}): MetricsSnapshot {
  const seconds = over.seconds ?? 5;
  const received = over.received ?? 0;
  const stored = over.stored ?? received;
  return {
    time: "2026-11-25T15:00:05Z",
    interval_seconds: seconds,
    events: {
      received,
      stored,
      received_per_second: received / seconds,
      stored_per_second: stored / seconds,
      by_severity: { info: stored, low: 0, medium: 0, high: 0, critical: 0 },
      received_total: received,
      stored_total: stored,
    },
    alerts: { raised: over.raised ?? 0, raised_total: over.raised ?? 0, open: 0 },
  };
}
