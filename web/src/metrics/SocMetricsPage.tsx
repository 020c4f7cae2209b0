// SOC metrics (/soc-metrics): how fast the team acknowledges (MTTA) and
// resolves (MTTR) alerts and incidents over a period, SLA breaches, and the
// same by work group, by analyst and by severity, with the split of
// verdicts. The period and the group are kept in the URL.

import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { LEVEL_LABELS, type Level } from "../api/detection";
import { VERDICTS, VERDICT_LABELS, formatDuration, useSocMetrics, type SocMetrics } from "../api/soc";
import { hasPermission, useCurrentUser } from "../app/session";
import { usePeople } from "../incidents/people";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { formatTime } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "../incidents/soc.css";

export const PERIODS = [
  { key: "24h", label: "24 h", ms: 86400_000 },
  { key: "7d", label: "7 d", ms: 7 * 86400_000 },
  { key: "30d", label: "30 d", ms: 30 * 86400_000 },
  { key: "90d", label: "90 d", ms: 90 * 86400_000 },
] as const;

export function SocMetricsPage() {
  useDocumentTitle("SOC Metrics");
  const me = useCurrentUser();
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">SOC Metrics</h1>
        </header>
        <AccessDenied area="SOC Metrics" role={me.role} />
      </section>
    );
  }
  return <Metrics />;
}

function Metrics() {
  const me = useCurrentUser();
  const people = usePeople(me);
  const [params, setParams] = useSearchParams();
  const period = PERIODS.find((p) => p.key === params.get("period")) ?? PERIODS[1];
  const group = params.get("group") ?? "";
  // The period ends now, to the minute, so that the query stays the same one while the page is open.
  const minute = Math.floor(Date.now() / 60_000);
  const q = useMemo(() => {
    const to = new Date(minute * 60_000);
    return { from: new Date(to.getTime() - period.ms).toISOString(), to: to.toISOString(), ...(group ? { group } : {}) };
  }, [period.ms, group, minute]);
  const metrics = useSocMetrics(q);
  const set = (k: string, v: string) =>
    setParams((prev) => {
      const p = new URLSearchParams(prev);
      if (v) p.set(k, v);
      else p.delete(k);
      return p;
    });
  const m = metrics.data;
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">SOC Metrics</h1>
          <p className="page-subtitle">{m ? `${formatTime(m.from)} – ${formatTime(m.to)}` : "How fast alerts and incidents are acknowledged and resolved."}</p>
        </div>
        <div className="page-actions">
          <div className="segmented" role="group" aria-label="Period">
            {PERIODS.map((p) => (
              <button key={p.key} type="button" className="segment" aria-pressed={p.key === period.key} onClick={() => set("period", p.key)}>
                {p.label}
              </button>
            ))}
          </div>
          <div className="field inline-field">
            <label htmlFor="metrics-group">Work group</label>
            <select id="metrics-group" value={group} onChange={(e) => set("group", e.target.value)}>
              <option value="">All groups</option>
              {people.groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.label}
                </option>
              ))}
            </select>
          </div>
        </div>
      </header>
      {metrics.isError ? <ErrorMessage error={metrics.error} /> : null}
      {metrics.isPending ? (
        <p className="muted" role="status">
          Loading metrics…
        </p>
      ) : m ? (
        <MetricsBody m={m} />
      ) : null}
    </section>
  );
}

function Card({ label, value, note, alarm }: { label: string; value: string; note?: string; alarm?: boolean }) {
  return (
    <div className={alarm ? "kpi kpi-alarm" : "kpi"} role="group" aria-label={label}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      {note ? <span className="kpi-note muted">{note}</span> : null}
    </div>
  );
}

function MetricsBody({ m }: { m: SocMetrics }) {
  const a = m.alerts;
  const i = m.incidents;
  const v = { true_positive: m.verdicts?.true_positive ?? 0, benign: m.verdicts?.benign ?? 0, false_positive: m.verdicts?.false_positive ?? 0 };
  const verdictTotal = v.true_positive + v.benign + v.false_positive;
  return (
    <>
      <h2 className="subhead">Alerts</h2>
      <div className="kpi-row metrics-cards">
        <Card label="Alerts MTTA" value={formatDuration(a.mtta_seconds)} note={`${a.acknowledged.toLocaleString()} acknowledged`} />
        <Card label="Alerts MTTR" value={formatDuration(a.mttr_seconds)} note={`${a.resolved.toLocaleString()} resolved`} />
        <Card label="Raised" value={a.raised.toLocaleString()} note={`${a.open.toLocaleString()} open now`} />
        <Card label="SLA breaches" value={(a.ack_breaches + a.resolve_breaches).toLocaleString()} note={`${a.ack_breaches} ack · ${a.resolve_breaches} resolve`} alarm={a.ack_breaches + a.resolve_breaches > 0} />
        <Card label="Open and breaching" value={a.open_breaching.toLocaleString()} alarm={a.open_breaching > 0} />
      </div>
      <h2 className="subhead">Incidents</h2>
      <div className="kpi-row metrics-cards">
        <Card label="Incidents MTTA" value={formatDuration(i.mtta_seconds)} />
        <Card label="Incidents MTTR" value={formatDuration(i.mttr_seconds)} note={`${i.resolved.toLocaleString()} resolved`} />
        <Card label="Opened" value={i.opened.toLocaleString()} note={`${i.open.toLocaleString()} open now`} />
      </div>

      <div className="metrics-grid">
        <section className="card" aria-labelledby="m-verdicts">
          <h2 id="m-verdicts">Verdicts</h2>
          {verdictTotal === 0 ? (
            <p className="muted">No alert resolved with a verdict in this period.</p>
          ) : (
            <>
              <div className="verdict-bar" aria-hidden="true">
                {VERDICTS.map((k) => (v[k] ? <span key={k} className={`verdict-seg verdict-${k}`} style={{ flexGrow: v[k] }} /> : null))}
              </div>
              <ul className="plain-list" aria-label="Verdict split">
                {VERDICTS.map((k) => (
                  <li key={k}>
                    <span className={`verdict-badge verdict-${k}`}>{VERDICT_LABELS[k]}</span> {v[k].toLocaleString()} ({Math.round((100 * v[k]) / verdictTotal)}%)
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section className="card" aria-labelledby="m-sev">
          <h2 id="m-sev">By severity</h2>
          <table className="table table-compact" aria-label="By severity">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col" className="num">
                  Alerts
                </th>
                <th scope="col">MTTA</th>
                <th scope="col">MTTR</th>
              </tr>
            </thead>
            <tbody>
              {(m.by_severity ?? []).map((s) => (
                <tr key={s.severity}>
                  <td>{LEVEL_LABELS[s.severity as Level] ? <LevelBadge level={s.severity} /> : s.severity}</td>
                  <td className="num">{s.count.toLocaleString()}</td>
                  <td>{formatDuration(s.mtta_seconds)}</td>
                  <td>{formatDuration(s.mttr_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card" aria-labelledby="m-group">
          <h2 id="m-group">By work group</h2>
          {(m.by_group ?? []).length === 0 ? (
            <p className="muted">No alert resolved by a work group in this period.</p>
          ) : (
            <table className="table table-compact" aria-label="By work group">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" className="num">
                    Resolved
                  </th>
                  <th scope="col">MTTA</th>
                  <th scope="col">MTTR</th>
                </tr>
              </thead>
              <tbody>
                {m.by_group.map((g) => (
                  <tr key={g.group || "none"}>
                    <td>{g.group_name || (g.group ? g.group : <span className="muted">no group</span>)}</td>
                    <td className="num">{g.alerts_resolved.toLocaleString()}</td>
                    <td>{formatDuration(g.mtta_seconds)}</td>
                    <td>{formatDuration(g.mttr_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="m-user">
          <h2 id="m-user">By analyst</h2>
          {(m.by_user ?? []).length === 0 ? (
            <p className="muted">No alert resolved in this period.</p>
          ) : (
            <table className="table table-compact" aria-label="By analyst">
              <thead>
                <tr>
                  <th scope="col">Analyst</th>
                  <th scope="col" className="num">
                    Resolved
                  </th>
                  <th scope="col">MTTA</th>
                  <th scope="col">MTTR</th>
                </tr>
              </thead>
              <tbody>
                {m.by_user.map((u) => (
                  <tr key={u.user}>
                    <td>{u.email || u.user}</td>
                    <td className="num">{(u.alerts_resolved ?? u.resolved ?? 0).toLocaleString()}</td>
                    <td>{formatDuration(u.mtta_seconds)}</td>
                    <td>{formatDuration(u.mttr_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}
