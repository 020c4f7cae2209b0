// The SLA of an alert or incident: the next deadline still to meet (to
// acknowledge, then to resolve), counting down, and a warning once it is
// breached. A breach the server recorded stays shown after the work is done.

import { useEffect, useState } from "react";
import { formatDuration, type SlaState } from "../api/soc";

/** Now, refreshed every `everyMs` so that timers count down. */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export interface SlaTimer {
  label: string;
  tone: "ok" | "soon" | "breached" | "met";
  title: string;
}

const SOON_MS = 15 * 60_000;

/**
 * What the SLA says now: `acknowledged` and `resolved` are when those
 * happened (null while pending).
 */
export function slaTimer(raw: SlaState | undefined | null, acknowledged: string | null | undefined, resolved: string | null | undefined, now: number): SlaTimer | null {
  if (!raw) return null;
  // Go's zero time ("0001-01-01T00:00:00Z") means no deadline.
  const due = (v: string | null | undefined) => (v && new Date(v).getUTCFullYear() > 1970 ? v : null);
  const sla = { ...raw, ack_due: due(raw.ack_due), resolve_due: due(raw.resolve_due) };
  if (resolved) {
    if (sla.resolve_breached || sla.ack_breached) return { label: "SLA breached", tone: "breached", title: sla.ack_breached ? "Acknowledged late" : "Resolved late" };
    return sla.resolve_due || sla.ack_due ? { label: "SLA met", tone: "met", title: "Acknowledged and resolved within the SLA" } : null;
  }
  const phase = !acknowledged && sla.ack_due ? { due: sla.ack_due, what: "Ack", breached: sla.ack_breached } : sla.resolve_due ? { due: sla.resolve_due, what: "Resolve", breached: sla.resolve_breached } : null;
  if (!phase) return sla.ack_breached ? { label: "Ack SLA breached", tone: "breached", title: "Acknowledged late" } : null;
  const left = new Date(phase.due).getTime() - now;
  if (Number.isNaN(left)) return null;
  if (phase.breached || left <= 0) {
    return { label: `${phase.what} overdue ${formatDuration(-left / 1000)}`, tone: "breached", title: `${phase.what} was due ${new Date(phase.due).toLocaleString()}` };
  }
  return { label: `${phase.what} in ${formatDuration(left / 1000)}`, tone: left < SOON_MS ? "soon" : "ok", title: `${phase.what} due ${new Date(phase.due).toLocaleString()}` };
}

export function SlaBadge({ sla, acknowledged, resolved }: { sla: SlaState | undefined | null; acknowledged: string | null | undefined; resolved: string | null | undefined }) {
  const now = useNow();
  const t = slaTimer(sla, acknowledged, resolved, now);
  if (!t) return null;
  return (
    <span className={`sla-badge sla-${t.tone}`} title={t.title}>
      {t.tone === "breached" ? <span aria-hidden="true">⚠ </span> : null}
      {t.label}
    </span>
  );
}
