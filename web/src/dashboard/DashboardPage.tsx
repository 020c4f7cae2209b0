// The Dashboard: real counts from GET /api/v1/events/stats/summary for the
// chosen range, and a live feed. The counts are read again every 30 s, and
// sooner while the metrics channel (every 5 s) says events are being
// stored or alerts raised; the channel's figures also give the rate right
// now, and platform admins the ingest pipeline's health. With no events at
// all it says how to send some, rather than drawing empty charts.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ALERT_PRESETS } from "../alerts/alertFilters";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { SEVERITIES, SEVERITY_LABELS, type EventStats, type SecurityEvent, type Severity } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { EventDrawer } from "../events/EventDrawer";
import { HistogramChart } from "../events/HistogramChart";
import { histogramOf, intervalLabel } from "../events/histogram";
import { eventsLink, fieldClause, presetLabel, readRange, weekUpTo, writeRange, type PresetKey, type TimeRange } from "../events/searchState";
import { SendEventsHint } from "../events/SendEventsHint";
import { TimeRangePicker } from "../events/TimeRangePicker";
import { AccessDenied } from "../ui/AccessDenied";
import { countryName } from "../ui/country";
import { ErrorMessage } from "../ui/ErrorMessage";
import { utcOffsetLabel } from "../components/timezone";
import { formatTime } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { AlertsCard } from "./AlertsCard";
import { LiveFeed } from "./LiveFeed";
import { formatRate, pushSnapshot, sparkPath, type MetricsSnapshot, type PipelineFigures } from "./liveMetrics";
import { TermList } from "./TermList";

const REFRESH_MS = 30_000;
// While events keep arriving, the counts are read again at most this often.
export const LIVE_REFRESH_MS = 10_000;
const DASHBOARD_PRESETS: readonly PresetKey[] = ["1h", "24h", "7d", "30d"];
// The time of day in 24-hour form, like every other time in the UI.
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const me = useCurrentUser();
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      {hasPermission(me, "events:read") ? (
        <Dashboard canManageKeys={hasPermission(me, "apikeys:write")} readsAlerts={hasPermission(me, "alerts:read")} />
      ) : (
        <>
          <header className="page-header">
            <h1 id="page-title">Dashboard</h1>
          </header>
          <AccessDenied area="the Dashboard" role={me.role} />
        </>
      )}
    </section>
  );
}

function Dashboard({ canManageKeys, readsAlerts }: { canManageKeys: boolean; readsAlerts: boolean }) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const range = readRange(params);
  // Another page's range in the URL (all time, say) shows the default here.
  const preset = range.kind === "preset" && DASHBOARD_PRESETS.includes(range.preset) ? range.preset : "24h";
  const setRange = (r: TimeRange) =>
    setParams((prev) => {
      const p = new URLSearchParams(prev);
      writeRange(p, r);
      return p;
    });

  const stats = useQuery({
    queryKey: queryKeys.eventStats({ from: `now-${preset}` }),
    queryFn: ({ signal }) => api.eventStats({ from: `now-${preset}` }, signal),
    refetchInterval: REFRESH_MS,
  });
  const recent = useQuery({
    queryKey: queryKeys.eventStats({ from: "now-15m", interval: "1m" }),
    queryFn: ({ signal }) => api.eventStats({ from: "now-15m", interval: "1m" }, signal),
    refetchInterval: REFRESH_MS,
  });
  // Only asked when the range is empty: are there no events at all, or none lately?
  const stored = useQuery({
    queryKey: queryKeys.events({ size: 1, all: true }),
    queryFn: ({ signal }) => api.searchEvents({ size: 1 }, signal),
    enabled: stats.data?.total === 0,
    refetchInterval: REFRESH_MS,
  });

  // The metrics channel: the last minutes of snapshots, and a nudge to read
  // the counts again when it says something was stored or raised.
  const queryClient = useQueryClient();
  const [live, setLive] = useState<MetricsSnapshot[]>([]);
  const lastNudge = useRef(0);
  const onMetrics = useCallback(
    (snap: MetricsSnapshot) => {
      setLive((h) => pushSnapshot(h, snap));
      const events = snap.events.stored > 0;
      const alerts = snap.alerts.raised > 0;
      if (!events && !alerts) return;
      const now = Date.now();
      if (now - lastNudge.current < LIVE_REFRESH_MS) return;
      lastNudge.current = now;
      if (events) void queryClient.invalidateQueries({ queryKey: ["events", "stats"] });
      if (events) void queryClient.invalidateQueries({ queryKey: queryKeys.events({ size: 1, all: true }) });
      if (alerts) void queryClient.invalidateQueries({ queryKey: ["alerts", "stats"] });
    },
    [queryClient],
  );
  const latest = live.at(-1);

  const newestStored = stored.data?.items[0]?.["@timestamp"];
  const [open, setOpen] = useState<SecurityEvent | null>(null);
  const onOpen = useCallback((ev: SecurityEvent) => setOpen(ev), []);
  const onFilter = useCallback(
    (field: string, value: string | number | boolean, exclude: boolean) => navigate(eventsLink(fieldClause(field, value, exclude), { kind: "preset", preset })),
    [navigate, preset],
  );

  const relRange: TimeRange = { kind: "preset", preset };
  // The Alerts page has the same presets as the Dashboard.
  const alertPreset = ALERT_PRESETS.find((p) => p.key === preset)?.key ?? "24h";
  const noEventsAtAll = stats.data?.total === 0 && stored.data?.total === 0;
  const noneInRange = stats.data?.total === 0 && (stored.data?.total ?? 0) > 0;

  return (
    <>
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Dashboard</h1>
          <p className="page-subtitle">
            {presetLabel(preset)} · {latest ? "updated as events arrive" : "refreshed every 30 s"}{stats.dataUpdatedAt ? ` · updated ${clock.format(new Date(stats.dataUpdatedAt))} · times in ${utcOffsetLabel()}` : ""}
          </p>
        </div>
        <TimeRangePicker range={relRange} onChange={setRange} allowAbsolute={false} presets={DASHBOARD_PRESETS} />
      </header>

      {stats.isError ? <ErrorMessage error={stats.error} /> : null}

      <div className="dash-grid">
        <div className="dash-main">
          {stats.isPending || (stats.data?.total === 0 && stored.isPending) ? (
            <div className="card dash-loading muted" role="status">
              Loading the counts…
            </div>
          ) : noEventsAtAll ? (
            <section className="card onboarding" aria-labelledby="no-events-title">
              <h2 id="no-events-title">No events yet</h2>
              <p>
                EventSec has not received any event. The counts, charts and top lists appear here as soon as the first events are stored;
                nothing is shown until then.
              </p>
              <SendEventsHint canManageKeys={canManageKeys} />
            </section>
          ) : noneInRange ? (
            <section className="card onboarding" aria-labelledby="no-range-title">
              <h2 id="no-range-title">No events in the {presetLabel(preset).toLowerCase()}</h2>
              <p>
                {(stored.data?.total ?? 0).toLocaleString()} event{stored.data?.total === 1 ? " is" : "s are"} stored, all outside this range
                {newestStored ? `, the newest at ${formatTime(newestStored)}` : ""}. Choose a wider range, or{" "}
                <Link to={newestStored ? eventsLink("", weekUpTo(newestStored)) : "/events?range=30d"}>
                  {newestStored ? "see the week up to the newest in Events" : "search them in Events"}
                </Link>
                .
              </p>
            </section>
          ) : stats.data ? (
            <Overview stats={stats.data} recent={recent.data} live={live} range={relRange} onZoom={(r) => navigate(`/events?from=${encodeURIComponent(r.from)}&to=${encodeURIComponent(r.to)}`)} />
          ) : null}
        </div>
        <aside className="dash-side">
          {readsAlerts ? <AlertsCard preset={alertPreset} /> : null}
          <LiveFeed onOpen={onOpen} onMetrics={onMetrics} />
          {latest?.pipeline ? <PipelineCard pipeline={latest.pipeline} seconds={latest.interval_seconds} /> : null}
        </aside>
      </div>

      {stats.data && stats.data.total > 0 ? <TopLists stats={stats.data} range={relRange} /> : null}

      {open ? <EventDrawer event={open} onClose={() => setOpen(null)} onFilter={onFilter} /> : null}
    </>
  );
}

function severityCount(stats: EventStats, s: Severity): number {
  return stats.by_severity.find((t) => t.term === s)?.count ?? 0;
}

function Overview({
  stats,
  recent,
  live,
  range,
  onZoom,
}: {
  stats: EventStats;
  recent: EventStats | undefined;
  live: readonly MetricsSnapshot[];
  range: TimeRange;
  onZoom: (r: { from: string; to: string }) => void;
}) {
  const histogram = useMemo(() => histogramOf(stats), [stats]);
  const highCritical = severityCount(stats, "high") + severityCount(stats, "critical");
  const perMinute = recent ? recent.total / 15 : undefined;
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => ({ s, n: severityCount(stats, s) }));
  const sevMax = bySeverity.reduce((m, x) => Math.max(m, x.n), 0);
  return (
    <>
      <div className="kpi-row">
        <Kpi label="Events" value={stats.total.toLocaleString()} note={presetLabel(range.kind === "preset" ? range.preset : "24h")} to={eventsLink("", range)} />
        <Kpi
          label="Events per minute"
          value={perMinute === undefined ? "…" : perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute).toLocaleString()}
          note="average over the last 15 minutes"
        />
        <LiveRate live={live} />
        <Kpi
          label="High and critical events"
          value={highCritical.toLocaleString()}
          note={stats.total > 0 ? `${((highCritical / stats.total) * 100).toFixed(highCritical === 0 ? 0 : 1)} % of events` : ""}
          to={eventsLink("", range, ["high", "critical"])}
          tone={highCritical > 0 ? "alarm" : undefined}
        />
      </div>
      <section className="card" aria-labelledby="over-time-title">
        <div className="card-head">
          <h2 id="over-time-title">Events over time</h2>
          <span className="muted card-head-note">one bar per {intervalLabel(histogram.intervalSeconds)} · click a bar to search it</span>
        </div>
        <HistogramChart histogram={histogram} label="Events over time" onZoom={onZoom} height={140} />
      </section>
      <section className="card" aria-label="By severity">
        <h2>By severity</h2>
        <ul className="sev-bars">
          {bySeverity.map(({ s, n }) => (
            <li key={s}>
              <Link to={eventsLink("", range, [s])} className="sev-bar-label">
                <span className={`sev sev-${s}`}>
                  <span className="sev-mark" aria-hidden="true" />
                  {SEVERITY_LABELS[s]}
                </span>
              </Link>
              <span className="term-bar" aria-hidden="true">
                <span className={`sev-fill-${s}`} style={{ width: `${sevMax > 0 ? (n / sevMax) * 100 : 0}%` }} />
              </span>
              <span className="term-count">{n.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** LiveRate: events arriving per second over the metrics channel's last 5 s, with a line of the last minutes. */
function LiveRate({ live }: { live: readonly MetricsSnapshot[] }) {
  const latest = live.at(-1);
  const path = useMemo(() => sparkPath(live.map((s) => s.events.received_per_second), 120, 24), [live]);
  return (
    <section className="card kpi kpi-live" aria-label="Arriving now" title="Events received per second over the last 5 s, from the live metrics channel">
      <span className="kpi-label">Arriving now</span>
      <span className="kpi-value">{latest ? formatRate(latest.events.received_per_second) : "…"}</span>
      <span className="kpi-note muted">
        {latest
          ? `${formatRate(latest.events.stored_per_second)} newly stored · ${latest.alerts.raised.toLocaleString()} alert${latest.alerts.raised === 1 ? "" : "s"} raised`
          : "waiting for the first figures (every 5 s)"}
      </span>
      {live.length > 1 ? (
        <svg className="kpi-spark" viewBox="0 0 120 24" preserveAspectRatio="none" role="img" aria-label={`Events per second over the last ${Math.round(live.reduce((n, s) => n + s.interval_seconds, 0) / 60) || 1} min`}>
          <path d={path} />
        </svg>
      ) : null}
    </section>
  );
}

/** PipelineCard: the ingest listeners' figures (platform admins only: they span every org). */
function PipelineCard({ pipeline, seconds }: { pipeline: PipelineFigures; seconds: number }) {
  const busy = pipeline.in_flight_limit > 0 ? pipeline.in_flight / pipeline.in_flight_limit : 0;
  const active = pipeline.listeners.filter((l) => l.received_total > 0 || l.connections > 0 || l.dropped_total > 0);
  const per = (n: number) => formatRate(seconds > 0 ? n / seconds : 0);
  return (
    <section className="card pipeline-card" aria-labelledby="pipeline-title">
      <div className="card-head">
        <h2 id="pipeline-title">Ingest pipeline</h2>
        <span className={busy >= 0.8 ? "pill pill-warn" : "pill pill-on"} title="events being parsed and stored, of the most the server admits at once">
          {pipeline.in_flight.toLocaleString()} / {pipeline.in_flight_limit.toLocaleString()} in flight
        </span>
      </div>
      {active.length === 0 ? (
        <p className="muted term-empty">No listener has received anything since the server started.</p>
      ) : (
        <table className="pipeline-table">
          <thead>
            <tr>
              <th scope="col">Listener</th>
              <th scope="col">Received</th>
              <th scope="col">Stored</th>
              <th scope="col">Dropped</th>
              <th scope="col">Batch</th>
            </tr>
          </thead>
          <tbody>
            {active.map((l) => (
              <tr key={l.listener}>
                <th scope="row">{l.listener}</th>
                <td>{per(l.received)}</td>
                <td>{per(l.stored)}</td>
                <td className={l.dropped + l.refused + l.store_errors > 0 ? "pipeline-bad" : undefined} title={droppedTitle(l.dropped_by_reason)}>
                  {(l.dropped + l.refused + l.store_errors).toLocaleString()}
                </td>
                <td>{l.batches > 0 ? `${l.batch_latency_ms < 10 ? l.batch_latency_ms.toFixed(1) : Math.round(l.batch_latency_ms)} ms` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted card-foot">Last {Math.round(seconds)} s; dropped counts refused and unstored events too. Every figure is also on /metrics.</p>
    </section>
  );
}

function droppedTitle(byReason: Record<string, number> | undefined): string | undefined {
  if (!byReason) return undefined;
  const parts = Object.entries(byReason).map(([reason, n]) => `${reason}: ${n.toLocaleString()}`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

function Kpi({ label, value, note, to, tone }: { label: string; value: string; note: string; to?: string; tone?: "alarm" | undefined }) {
  const body = (
    <>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      <span className="kpi-note muted">{note}</span>
    </>
  );
  return (
    <section className={tone === "alarm" ? "card kpi kpi-alarm" : "card kpi"} aria-label={label}>
      {to ? (
        <Link to={to} className="kpi-link">
          {body}
        </Link>
      ) : (
        body
      )}
    </section>
  );
}

function TopLists({ stats, range }: { stats: EventStats; range: TimeRange }) {
  return (
    <div className="term-grid">
      <TermList title="By source (input)" items={stats.by_input} field="input" range={range} />
      <TermList title="By dataset" items={stats.by_dataset} field="event.dataset" range={range} />
      <TermList title="By category" items={stats.by_category} field="event.category" range={range} />
      <TermList title="Top hosts" items={stats.top_hosts} field="host.name" range={range} />
      <TermList title="Top users" items={stats.top_users} field="user.name" range={range} />
      <TermList title="Top source IPs" items={stats.top_sources} field="source.ip" range={range} mono />
      <TermList title="Top countries" items={stats.top_countries} field="source.geo.country_iso_code" range={range} describe={countryName} />
    </div>
  );
}
