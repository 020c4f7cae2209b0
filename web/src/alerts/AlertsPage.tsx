// Alerts: the queue analysts work, newest first. Counts by severity on
// top (they filter too), filters kept in the URL (status, severity, rule,
// text, range, assignee, work group, verdict, sort, the trash), a page of
// alerts at a time from the server's cursor, new alerts arriving live, the
// status of each changed from its row, and bulk actions on a selection
// that report which alerts failed and why.

import { useQueryClient } from "@tanstack/react-query";
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import {
  ALERT_STATUSES,
  ALERT_STATUS_LABELS,
  LEVELS,
  LEVEL_LABELS,
  OPEN_STATUSES,
  detectionKeys,
  type Alert,
  type AlertStats,
  type AlertStatus,
  type Level,
} from "../api/detection";
import {
  ALERT_SORTS,
  VERDICTS,
  VERDICT_LABELS,
  alertFilterParams,
  useTriageAlertStats,
  useTriageAlerts,
  type AlertSort,
  type AlertTimeField,
  type TriageAlert,
} from "../api/soc";
import type { Me } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { usePeople } from "../incidents/people";
import { SlaBadge } from "../incidents/SlaBadge";
import { fromLocalInput, toLocalInput } from "../events/searchState";
import { LevelBadge } from "../rules/LevelBadge";
import { zoneLabel, zoneName } from "../components/timezone";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime, formatTimeRange } from "../ui/time";
import { useSearchDraft } from "../ui/useSearchDraft";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { StatusBadge, StatusSelect } from "./AlertStatus";
import { BulkBar, BulkResultMessage, type BulkOutcome } from "./BulkBar";
import { RulePicker } from "./RulePicker";
import { entityItems } from "./entities";
import { VerdictBadge } from "./TriageDialogs";
import { ALERT_PRESETS, alertQuery, apiRange, isFiltered, matchesFilters, readAlertFilters, writeAlertFilters, type AlertFilterState, type AlertRange } from "./alertFilters";
import { useAlertFeed } from "./useAlertFeed";
import "../rules/rules.css";
import "./alerts.css";
import { alertRuleLabel } from "../rules/ruleDocuments";
import "../incidents/soc.css";

/** Past this many pixels down, the reader is reading: new alerts wait. */
const READING_Y = 240;

export function AlertsPage() {
  useDocumentTitle("Alerts");
  const me = useCurrentUser();
  if (!hasPermission(me, "alerts:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Alerts</h1>
        </header>
        <AccessDenied area="Alerts" role={me.role} />
      </section>
    );
  }
  return <AlertQueue me={me} writable={hasPermission(me, "alerts:write")} canReadRules={hasPermission(me, "rules:read")} />;
}

function AlertQueue({ me, writable, canReadRules }: { me: Me; writable: boolean; canReadRules: boolean }) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const paramString = params.toString();
  const state = useMemo(() => readAlertFilters(new URLSearchParams(paramString)), [paramString]);
  // A preset's start is fixed when it is chosen, so the query stays the same one.
  const rangeKey = JSON.stringify(state.range);
  const range = useMemo(() => apiRange(state.range), [rangeKey]);
  const query = useMemo(() => alertQuery(state, range), [state, range]);
  const alerts = useTriageAlerts(query);
  const [selected, setSelectedIds] = useState<ReadonlySet<string>>(new Set());
  // Every alert the filter matches, not just the page's (Gmail's "select all N").
  const [allMatching, setAllMatching] = useState(false);
  const setSelected = useCallback((ids: ReadonlySet<string>) => {
    setSelectedIds(ids);
    setAllMatching(false);
  }, []);
  useEffect(() => setSelected(new Set()), [paramString, setSelected]);
  // A bulk action's outcome stays on screen until dismissed (its selection is gone).
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);
  // The counts describe the queue as filtered.
  const stats = useTriageAlertStats(query);
  const filtered = isFiltered(state);

  const update = useCallback((next: Partial<AlertFilterState>) => setParams((prev) => writeAlertFilters({ ...readAlertFilters(prev), ...next })), [setParams]);

  // --- Live ---
  const [reading, setReading] = useState(false);
  useEffect(() => {
    const onScroll = () => setReading(window.scrollY > READING_Y);
    onScroll();
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, []);
  const stateRef = useRef(state);
  stateRef.current = state;
  const readingRef = useRef(reading);
  readingRef.current = reading;
  const decide = useCallback((a: Alert) => {
    const m = matchesFilters(a, stateRef.current, me.id);
    const show = !isFiltered(stateRef.current) && stateRef.current.sort === "last_seen" && !readingRef.current;
    return { belongs: m !== false, show, unsure: m === "unknown" };
  }, [me.id]);
  // Counts follow arrivals, at most every two seconds.
  const statsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onAny = useCallback(() => {
    if (statsTimer.current !== undefined) return;
    statsTimer.current = setTimeout(() => {
      statsTimer.current = undefined;
      void queryClient.invalidateQueries({ queryKey: ["alerts", "stats"] });
    }, 2000);
  }, [queryClient]);
  useEffect(() => () => clearTimeout(statsTimer.current), []);
  const feed = useAlertFeed(true, decide, onAny);
  const { reset } = feed;
  useEffect(() => reset(), [paramString, reset]);

  function showNew() {
    if (feed.pendingUnsure) {
      // Only the server knows which of them match: ask again.
      feed.reset();
      void queryClient.resetQueries({ queryKey: detectionKeys.alerts(query) });
    } else {
      feed.release();
    }
    window.scrollTo({ top: 0 });
    document.getElementById("alerts-table")?.focus();
  }

  const fetched = useMemo(() => alerts.data?.pages.flatMap((p) => p.alerts) ?? [], [alerts.data]);
  const rows = useMemo((): TriageAlert[] => {
    const liveIds = new Set(feed.live.map((a) => a.id));
    return [...feed.live, ...fetched.filter((a) => !liveIds.has(a.id))].map((a) => ({ ...a, ...feed.updates[a.id] }));
  }, [feed.live, fetched, feed.updates]);
  const total = alerts.data?.pages[0]?.total;
  // Beyond 1,000 matches the server says "more than" instead of counting.
  const capped = (alerts.data?.pages[0] as { total_capped?: boolean } | undefined)?.total_capped === true;
  const pageAllSelected = rows.length > 0 && rows.every((a) => selected.has(a.id));
  const moreThanShown = alerts.hasNextPage || (total !== undefined && total > rows.length);
  const matching = useMemo(
    () => (allMatching && total !== undefined ? { filter: alertFilterParams(query), count: total, capped } : null),
    [allMatching, total, capped, query],
  );

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Alerts</h1>
          <p className="page-subtitle">Raised by the detection rules as matching events are stored; newest activity first.</p>
        </div>
        <LivePill status={feed.status} />
      </header>

      <SeverityCounts stats={stats.data} loading={stats.isPending} state={state} onChange={update} />
      {stats.isError ? <ErrorMessage error={stats.error} /> : null}

      <Filters state={state} stats={stats.data} me={me} canReadRules={canReadRules} onChange={update} onClear={() => setParams(new URLSearchParams())} />

      {feed.pending.length > 0 ? (
        <div className="new-alerts">
          <button type="button" className="new-alerts-pill" onClick={showNew}>
            {feed.pending.length.toLocaleString()} new alert{feed.pending.length === 1 ? "" : "s"}
            {feed.pendingUnsure ? " · refresh" : " · show"}
          </button>
        </div>
      ) : null}

      {alerts.isError ? <ErrorMessage error={alerts.error} /> : null}

      {writable && selected.size > 0 ? (
        <BulkBar
          ids={[...selected]}
          matching={matching}
          alerts={rows}
          trash={state.trash}
          canDelete={hasPermission(me, "alerts:delete")}
          canIncident={hasPermission(me, "incidents:write")}
          onClear={() => setSelected(new Set())}
          onDone={(o) => {
            setOutcome(o);
            feed.reset();
            void queryClient.invalidateQueries({ queryKey: ["alerts"] });
          }}
        />
      ) : null}
      {writable && selected.size > 0 && (allMatching || (pageAllSelected && moreThanShown)) && total !== undefined ? (
        <p className="select-all-matching" role="status">
          {allMatching ? (
            <>
              All {total.toLocaleString()}
              {capped ? "+" : ""} alerts matching this filter are selected.{" "}
              <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
                Clear selection
              </button>
            </>
          ) : (
            <>
              All {rows.length.toLocaleString()} alerts on this page are selected.{" "}
              <button type="button" className="link-button" onClick={() => setAllMatching(true)}>
                Select all {total.toLocaleString()}
                {capped ? "+" : ""} alerts matching this filter
              </button>
            </>
          )}
        </p>
      ) : null}
      {outcome ? <BulkResultMessage outcome={outcome} onDismiss={() => setOutcome(null)} /> : null}

      <div className="table-toolbar">
        <span className="muted" role="status">
          {alerts.isPending || alerts.isPlaceholderData
            ? "Loading alerts…"
            : total !== undefined && rows.length > 0
              ? `Showing ${rows.length.toLocaleString()} of ${(total + feed.live.length).toLocaleString()}${capped ? "+" : ""}`
              : ""}
        </span>
      </div>

      {alerts.isSuccess && rows.length === 0 ? (
        filtered ? (
          <div className="empty empty-left">
            <p className="empty-title">No alerts match these filters.</p>
            <p>
              <button type="button" className="btn btn-small" onClick={() => setParams(new URLSearchParams())}>
                Clear the filters
              </button>
            </p>
          </div>
        ) : (
          <div className="empty empty-left">
            <p className="empty-title">No alerts yet — alerts appear here within a second of a matching event.</p>
            <p>
              Alerts come from the enabled detection rules.{" "}
              {canReadRules ? (
                <>
                  See, enable or write them in <Link to="/rules">Rules</Link>, and try one on stored events with its backtest.
                </>
              ) : (
                "Ask an admin or an analyst to enable rules."
              )}
            </p>
          </div>
        )
      ) : rows.length > 0 ? (
        <AlertsTable
          alerts={rows}
          fresh={feed.fresh}
          writable={writable && !state.trash}
          selectable={writable}
          selected={selected}
          onSelect={setSelected}
          meId={me.id}
          onSaved={feed.update}
          caption={state.trash ? "Deleted alerts (kept for 30 days)" : "Alerts, newest activity first"}
          busy={alerts.isPlaceholderData}
        />
      ) : null}

      {alerts.hasNextPage ? (
        <div className="pager pager-center">
          <button type="button" className="btn" onClick={() => void alerts.fetchNextPage()} disabled={alerts.isFetchingNextPage || alerts.isPlaceholderData}>
            {alerts.isFetchingNextPage ? "Loading…" : "Load 50 more"}
          </button>
        </div>
      ) : null}
    </section>
  );
}

function LivePill({ status }: { status: string }) {
  return (
    <span className={status === "open" ? "pill pill-on" : status === "connecting" ? "pill pill-warn" : "pill pill-off"} role="status">
      {status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Not live"}
    </span>
  );
}

const SEVERITY_ORDER: readonly Level[] = [...LEVELS].reverse();

function SeverityCounts({ stats, loading, state, onChange }: { stats: AlertStats | undefined; loading: boolean; state: AlertFilterState; onChange: (s: Partial<AlertFilterState>) => void }) {
  const openOnly = state.statuses.length === OPEN_STATUSES.length && OPEN_STATUSES.every((s) => state.statuses.includes(s));
  const n = (v: number | undefined) => (loading ? "…" : (v ?? 0).toLocaleString());
  return (
    <div className="alert-counts" role="group" aria-label="Alerts by severity (click to filter)">
      <button
        type="button"
        className="alert-count alert-count-open"
        aria-pressed={openOnly}
        onClick={() => onChange({ statuses: openOnly ? [] : [...OPEN_STATUSES] })}
        title="Alerts not yet resolved or closed"
      >
        <span className="alert-count-label">Open</span>
        <span className="alert-count-value">{n(stats?.open)}</span>
        <span className="alert-count-note muted">of {n(stats?.total)}</span>
      </button>
      {SEVERITY_ORDER.map((s) => {
        const on = state.severities.includes(s);
        return (
          <button
            key={s}
            type="button"
            className={`alert-count alert-count-${s}${(stats?.by_severity?.[s] ?? 0) > 0 ? " alert-count-some" : ""}`}
            aria-pressed={on}
            onClick={() => onChange({ severities: LEVELS.filter((x) => (x === s ? !on : state.severities.includes(x))) })}
          >
            <span className="alert-count-label">
              <span className={`sev-dot sev-dot-${s}`} aria-hidden="true" />
              {LEVEL_LABELS[s]}
            </span>
            <span className="alert-count-value">{n(stats?.by_severity?.[s])}</span>
          </button>
        );
      })}
    </div>
  );
}

function Filters({
  state,
  stats,
  me,
  canReadRules,
  onChange,
  onClear,
}: {
  state: AlertFilterState;
  stats: AlertStats | undefined;
  me: Me;
  canReadRules: boolean;
  onChange: (s: Partial<AlertFilterState>) => void;
  onClear: () => void;
}) {
  const people = usePeople(me);
  const [draft, setDraft] = useSearchDraft(state.q, (q) => onChange({ q }));

  return (
    <div className="alert-filters">
      <div className="alert-filters-row">
        <div className="field alert-search">
          <label htmlFor="alerts-q">Search alerts</label>
          <input
            id="alerts-q"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") onChange({ q: draft });
            }}
            placeholder="Title, rule, host, user, IP…"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <RulePicker value={state.rule} onChange={(rule) => onChange({ rule })} topRules={stats?.top_rules} canReadRules={canReadRules} />
        <RangePicker range={state.range} timeField={state.timeField} onChange={(range) => onChange({ range })} onTimeField={(timeField) => onChange({ timeField })} />
      </div>
      <div className="alert-filters-row">
        <div className="field">
          <label htmlFor="alerts-assignee">Assignee</label>
          <select id="alerts-assignee" value={state.assignee} onChange={(e) => onChange({ assignee: e.target.value })}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Unassigned</option>
            {people.users
              .filter((p) => p.id !== me.id)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            {state.assignee && !["me", "none"].includes(state.assignee) && !people.users.some((p) => p.id === state.assignee) ? <option value={state.assignee}>{state.assignee}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="alerts-group">Work group</label>
          <select id="alerts-group" value={state.group} onChange={(e) => onChange({ group: e.target.value })}>
            <option value="">Any group</option>
            {people.groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.label}
              </option>
            ))}
            {state.group && !people.groups.some((g) => g.id === state.group) ? <option value={state.group}>{state.group}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="alerts-verdict">Verdict</label>
          <select id="alerts-verdict" value={state.verdict} onChange={(e) => onChange({ verdict: e.target.value })}>
            <option value="">Any verdict</option>
            {VERDICTS.map((v) => (
              <option key={v} value={v}>
                {VERDICT_LABELS[v]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="alerts-sort">Sort by</label>
          <select id="alerts-sort" value={state.sort} onChange={(e) => onChange({ sort: e.target.value as AlertSort })}>
            {ALERT_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        {hasPermission(me, "alerts:delete") ? (
          <label className="check-line trash-toggle">
            <input type="checkbox" checked={state.trash} onChange={(e) => onChange({ trash: e.target.checked })} /> Show deleted alerts (trash)
          </label>
        ) : null}
      </div>
      <div className="alert-filters-row">
        <fieldset className="sev-filter status-filter">
          <legend className="sr-only">Status</legend>
          <span className="sev-filter-label" aria-hidden="true">
            Status
          </span>
          {ALERT_STATUSES.map((s) => (
            <label key={s} className="sev-chip">
              <input
                type="checkbox"
                checked={state.statuses.includes(s)}
                onChange={(e) => onChange({ statuses: ALERT_STATUSES.filter((x) => (x === s ? e.target.checked : state.statuses.includes(x))) as AlertStatus[] })}
              />
              {ALERT_STATUS_LABELS[s]}
            </label>
          ))}
        </fieldset>
        {isFiltered(state) ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={onClear}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}

const SORT_LABELS: Record<AlertSort, string> = {
  last_seen: "Last seen (newest first)",
  created: "Raised (newest first)",
  first_seen: "First seen (newest first)",
  severity: "Severity (most severe first)",
};

const TIME_FIELD_LABELS: Record<AlertTimeField, string> = { created: "Raised", last_seen: "Last seen" };

/**
 * All time, the last hour … 30 days, or an absolute range in the reader's
 * time zone, of when alerts were raised (the default) or last seen.
 */
function RangePicker({
  range,
  timeField,
  onChange,
  onTimeField,
}: {
  range: AlertRange;
  timeField: AlertTimeField;
  onChange: (r: AlertRange) => void;
  onTimeField: (f: AlertTimeField) => void;
}) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);

  function openCustom() {
    if (editing) {
      setEditing(false);
      return;
    }
    const now = Date.now();
    setFrom(toLocalInput(range.kind === "absolute" ? range.from : new Date(now - 86400_000).toISOString()));
    setTo(toLocalInput(range.kind === "absolute" ? range.to : new Date(now).toISOString()));
    setError(null);
    setEditing(true);
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (!f || !t) return setError("Enter both a start and an end.");
    if (f >= t) return setError("The start must be before the end.");
    setEditing(false);
    onChange({ kind: "absolute", from: f, to: t });
  }

  return (
    <div className="range-picker alert-range">
      <div className="range-head">
        <label className="range-label" htmlFor={`${id}-field`}>
          Time range of
        </label>
        <select id={`${id}-field`} className="range-field" value={timeField} onChange={(e) => onTimeField(e.target.value as AlertTimeField)}>
          {(Object.keys(TIME_FIELD_LABELS) as AlertTimeField[]).map((f) => (
            <option key={f} value={f}>
              {TIME_FIELD_LABELS[f]}
            </option>
          ))}
        </select>
      </div>
      <div className="segmented" role="group" aria-label={`${TIME_FIELD_LABELS[timeField]} within`}>
        <button type="button" className="segment" aria-pressed={range.kind === "all"} onClick={() => onChange({ kind: "all" })}>
          All time
        </button>
        {ALERT_PRESETS.map((p) => (
          <button
            key={p.key}
            type="button"
            className="segment"
            aria-pressed={range.kind === "preset" && range.preset === p.key}
            title={p.long}
            onClick={() => {
              setEditing(false);
              onChange({ kind: "preset", preset: p.key });
            }}
          >
            {p.label}
          </button>
        ))}
        <button type="button" className="segment" aria-pressed={range.kind === "absolute"} aria-expanded={editing} onClick={openCustom}>
          {range.kind === "absolute" ? formatTimeRange(range.from, range.to) : "Custom"}
        </button>
      </div>
      {editing ? (
        <form className="popover range-custom" onSubmit={apply} aria-label="Custom time range" noValidate>
          <div className="field">
            <label htmlFor={`${id}-from`}>From ({zoneLabel()})</label>
            <input id={`${id}-from`} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To ({zoneLabel()})</label>
            <input id={`${id}-to`} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </div>
          {error ? (
            <div className="field-error" role="alert">
              {error}
            </div>
          ) : null}
          <div className="range-custom-actions">
            <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="submit" className="btn btn-small btn-primary">
              Apply range
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

interface TableProps {
  alerts: readonly TriageAlert[];
  fresh: Record<string, true>;
  writable: boolean;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onSelect: (ids: ReadonlySet<string>) => void;
  meId: string;
  onSaved: (a: Alert) => void;
  caption: string;
  /** The rows are the previous filter's while this one's load. */
  busy: boolean;
}

function AlertsTable({ alerts, fresh, writable, selectable, selected, onSelect, meId, onSaved, caption, busy }: TableProps) {
  const all = alerts.length > 0 && alerts.every((a) => selected.has(a.id));
  const some = alerts.some((a) => selected.has(a.id));
  const toggle = useCallback(
    (id: string, on: boolean) => {
      const next = new Set(selected);
      if (on) next.add(id);
      else next.delete(id);
      onSelect(next);
    },
    [selected, onSelect],
  );
  return (
    <div className="table-wrap" id="alerts-table" tabIndex={-1}>
      <table className="table table-dense alerts-table" aria-busy={busy || undefined}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {selectable ? (
              <th scope="col" className="col-check">
                <input
                  type="checkbox"
                  aria-label="Select all shown alerts"
                  checked={all}
                  ref={(el) => {
                    if (el) el.indeterminate = some && !all;
                  }}
                  onChange={(e) => onSelect(e.target.checked ? new Set(alerts.map((a) => a.id)) : new Set())}
                />
              </th>
            ) : null}
            <th scope="col" className="col-time" title={`Times in your time zone${zoneName() ? ` (${zoneName()})` : ""}`}>
              Last seen <span className="th-zone">({zoneLabel()})</span>
            </th>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">Entities</th>
            <th scope="col" className="num">
              Count
            </th>
            <th scope="col">Assignee</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <AlertRow key={a.id} alert={a} fresh={fresh[a.id] === true} writable={writable} selectable={selectable} checked={selected.has(a.id)} onCheck={toggle} meId={meId} onSaved={onSaved} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  alert: TriageAlert;
  fresh: boolean;
  writable: boolean;
  selectable: boolean;
  checked: boolean;
  onCheck: (id: string, on: boolean) => void;
  meId: string;
  onSaved: (a: Alert) => void;
}

const AlertRow = memo(function AlertRow({ alert: a, fresh, writable, selectable, checked, onCheck, meId, onSaved }: RowProps) {
  const entities = [...entityItems(a.entities, "hosts"), ...entityItems(a.entities, "users"), ...entityItems(a.entities, "ips")].map((e) => e.label);
  const closed = a.status === "resolved" || a.status === "closed";
  const who = a.assignee ? (a.assignee === meId ? "Me" : a.assignee_email || a.assignee) : "";
  return (
    <tr className={[fresh ? "row-live row-fresh" : "", closed ? "row-muted" : "", checked ? "row-selected" : ""].filter(Boolean).join(" ") || undefined}>
      {selectable ? (
        <td className="col-check">
          <input type="checkbox" aria-label={`Select ${a.title || a.rule_title}`} checked={checked} onChange={(e) => onCheck(a.id, e.target.checked)} />
        </td>
      ) : null}
      <td className="cell-nowrap col-time">
        <CompactTime value={a.last_seen} />
      </td>
      <td>
        <LevelBadge level={a.severity} />
      </td>
      <td className="alert-cell">
        <Link to={`/alerts/${encodeURIComponent(a.id)}`} className="alert-title">
          {a.title || a.rule_title}
        </Link>
        <span className="alert-sub muted">
          {[a.title && a.title !== a.rule_title ? alertRuleLabel(a) : "", a.tactics.map((t) => t.name).join(", ")].filter(Boolean).join(" · ")}
        </span>
        <span className="alert-flags">
          {a.escalation ? <span className="status-badge status-escalated">Escalated to {a.escalation.to_group_name || a.escalation.to_user_email || "someone"}</span> : null}
          {a.incident_id ? (
            <Link to={`/incidents/${encodeURIComponent(a.incident_id)}`} className="tag">
              In incident
            </Link>
          ) : null}
          <VerdictBadge verdict={a.verdict} />
          <SlaBadge sla={a.sla} acknowledged={a.acknowledged_at} resolved={a.resolved_at ?? (closed ? a.updated_at : null)} />
        </span>
      </td>
      <td className="alert-entities">
        {entities.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <>
            {entities.slice(0, 3).map((e) => (
              <span key={e} className="entity-chip mono" title={e}>
                {e}
              </span>
            ))}
            {entities.length > 3 ? <span className="muted"> +{entities.length - 3}</span> : null}
          </>
        )}
      </td>
      <td className="num">{a.count > 1 ? `×${a.count.toLocaleString()}` : "1"}</td>
      <td className="cell-assignee">
        {who || a.assignee_group_name ? (
          <>
            {who ? <span>{who}</span> : null}
            {a.assignee_group_name ? <span className="muted">{who ? " · " : ""}{a.assignee_group_name}</span> : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>{writable ? <StatusSelect alert={a} onSaved={onSaved} /> : <StatusBadge status={a.status} />}</td>
    </tr>
  );
});
