// The Dashboard's alerts: the open ones by severity and the rules that
// fired most, for the Dashboard's range. Every count links to the Alerts
// page filtered so that it lists exactly the alerts counted.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { LEVELS, LEVEL_LABELS, OPEN_STATUSES, useAlertStats, type Level } from "../api/detection";
import { socApi, socKeys } from "../api/soc";
import type { Severity } from "../api/types";
import { readAlertFilters, writeAlertFilters, type AlertFilterState, type AlertPreset } from "../alerts/alertFilters";
import { ErrorMessage } from "../ui/ErrorMessage";

const REFRESH_MS = 30_000;
const TOP_RULES = 5;
// Most severe first, as an analyst reads them.
const BY_URGENCY: readonly Level[] = LEVELS.slice().reverse();
// The events' severity classes carry the colours; alerts call "info" "informational".
const SEV_CLASS: Record<Level, Severity> = { informational: "info", low: "low", medium: "medium", high: "high", critical: "critical" };

/**
 * A link to the Alerts page; its range is the Dashboard's, by last seen as
 * the Dashboard counts (the queue's own default is when raised).
 */
function alertsLink(preset: AlertPreset, filters: Partial<AlertFilterState>): string {
  const state: AlertFilterState = { ...readAlertFilters(new URLSearchParams()), range: { kind: "preset", preset }, timeField: "last_seen", ...filters };
  return `/alerts?${writeAlertFilters(state).toString()}`;
}

export function AlertsCard({ preset }: { preset: AlertPreset }) {
  const from = `now-${preset}`;
  // All alerts of the range (the top rules, and whether there are any) and,
  // apart, the open ones: the stats' by_severity counts every status.
  const all = useAlertStats({ from }, REFRESH_MS);
  const openQuery = { status: OPEN_STATUSES, from };
  const open = useQuery({
    queryKey: socKeys.alertStats(openQuery),
    queryFn: ({ signal }) => socApi.alertStats(openQuery, signal),
    refetchInterval: REFRESH_MS,
  });
  const error = all.error ?? open.error;
  const openStatuses = [...OPEN_STATUSES];
  const topRules = (all.data?.top_rules ?? []).slice(0, TOP_RULES);
  const openBySeverity = open.data?.by_severity ?? {};
  const ruleMax = topRules.reduce((m, r) => Math.max(m, r.count), 0);

  return (
    <section className="card alerts-card" aria-labelledby="dash-alerts-title">
      <div className="card-head">
        <h2 id="dash-alerts-title">Alerts</h2>
        <Link className="card-head-note" to={alertsLink(preset, {})}>
          All alerts in this range
        </Link>
      </div>
      {error ? (
        <ErrorMessage error={error} />
      ) : !all.data || !open.data ? (
        <p className="muted term-empty" role="status">
          Loading the alerts…
        </p>
      ) : all.data.total === 0 ? (
        <p className="muted term-empty">No alerts in this range</p>
      ) : (
        <>
          <Link className="alerts-open" to={alertsLink(preset, { statuses: openStatuses })} aria-label={`Open alerts: ${open.data.total.toLocaleString()}`}>
            <span className="kpi-value">{open.data.total.toLocaleString()}</span>
            <span className="muted">
              open, of {all.data.total.toLocaleString()} alert{all.data.total === 1 ? "" : "s"}
            </span>
          </Link>
          <ul className="alert-sev-list" aria-label="Open alerts by severity">
            {BY_URGENCY.map((s) => {
              const n = openBySeverity[s] ?? 0;
              return (
                <li key={s}>
                  <Link to={alertsLink(preset, { statuses: openStatuses, severities: [s] })} className={n > 0 ? "alert-sev alert-sev-some" : "alert-sev"}>
                    <span className={`sev sev-${SEV_CLASS[s]}`}>
                      <span className="sev-mark" aria-hidden="true" />
                      {LEVEL_LABELS[s]}
                    </span>
                    <span className="term-count">{n.toLocaleString()}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
          <h3 className="alerts-card-sub">Top rules</h3>
          <ol className="term-list" aria-label="Top rules by alerts">
            {topRules.map((r) => (
              <li key={r.rule_id}>
                <Link className="term-name" to={alertsLink(preset, { rule: r.rule_id })} title={r.title || r.rule_id}>
                  {r.title || r.rule_id}
                </Link>
                <span className="term-count">{r.count.toLocaleString()}</span>
                <span className="term-bar" aria-hidden="true">
                  <span style={{ width: `${ruleMax > 0 ? (r.count / ruleMax) * 100 : 0}%` }} />
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
