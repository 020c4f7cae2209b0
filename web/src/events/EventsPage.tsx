// Events: search the event store, see the counts over time, read events in
// full, export a search, and tail new events live.

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api, isApiError } from "../api/client";
import { queryKeys } from "../api/queries";
import type { EventOrder, SecurityEvent } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { formatMonth, formatTime } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { ColumnChooser } from "./ColumnChooser";
import { EventDrawer } from "./EventDrawer";
import { EventsTable } from "./EventsTable";
import { ExportDialog } from "./ExportDialog";
import { FieldsPanel, FieldsToggle, loadFieldsPanelOpen, saveFieldsPanelOpen } from "./FieldsPanel";
import { SavedSearchesDialog, savedSearchState } from "./SavedSearches";
import { loadColumns, readColumnsParam, saveColumns, writeColumnsParam } from "./fields";
import { HistogramChart } from "./HistogramChart";
import { histogramOf, intervalLabel, withEvents } from "./histogram";
import { addClause, apiFilter, fieldClause, rangeLabel, readOrder, readSearchState, weekUpTo, writeOrder, writeSearchState, type SearchState } from "./searchState";
import { SendEventsHint } from "./SendEventsHint";
import { SeverityFilter } from "./SeverityFilter";
import { TimeRangePicker } from "./TimeRangePicker";
import { mergeNewestFirst, useLiveTail } from "./useLiveTail";

const PAGE_SIZE = 100;
/** The start of "all history" when counting where stored events lie. */
const EPOCH = "1970-01-01T00:00:00Z";

export function EventsPage() {
  useDocumentTitle("Events");
  const me = useCurrentUser();
  if (!hasPermission(me, "events:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Events</h1>
        </header>
        <AccessDenied area="Events" role={me.role} />
      </section>
    );
  }
  return <EventsExplorer canManageKeys={hasPermission(me, "apikeys:write")} canSaveSearches={hasPermission(me, "searches:write")} />;
}

function EventsExplorer({ canManageKeys, canSaveSearches }: { canManageKeys: boolean; canSaveSearches: boolean }) {
  const [params, setParams] = useSearchParams();
  const paramString = params.toString();
  const search = useMemo(() => readSearchState(new URLSearchParams(paramString)), [paramString]);
  const filter = useMemo(() => apiFilter(search), [search]);
  // The list's order is in the URL too (order=asc); the count and the
  // chart do not depend on it.
  const order = useMemo(() => readOrder(new URLSearchParams(paramString)), [paramString]);
  const [draft, setDraft] = useState(search.query);
  useEffect(() => setDraft(search.query), [search.query]);

  // The columns are in the URL (cols=a,b) so that a shared link shows
  // them; without it, this browser's last choice.
  const urlColumns = useMemo(() => readColumnsParam(new URLSearchParams(paramString)), [paramString]);
  const [storedColumns, setStoredColumns] = useState<string[]>(loadColumns);
  const columns = urlColumns ?? storedColumns;
  const changeColumns = useCallback(
    (next: string[]) => {
      setStoredColumns(next);
      saveColumns(next);
      setParams((prev) => {
        const p = new URLSearchParams(prev);
        writeColumnsParam(p, next);
        return p;
      });
    },
    [setParams],
  );
  // A link without columns gets this browser's, so that copying it keeps them.
  useEffect(() => {
    if (urlColumns) return;
    setParams(
      (prev) => {
        const p = new URLSearchParams(prev);
        writeColumnsParam(p, storedColumns);
        return p.toString() === prev.toString() ? prev : p;
      },
      { replace: true },
    );
  }, [urlColumns, storedColumns, setParams]);
  const [fieldsOpen, setFieldsOpen] = useState(loadFieldsPanelOpen);
  const changeFieldsOpen = useCallback((open: boolean) => {
    setFieldsOpen(open);
    saveFieldsPanelOpen(open);
  }, []);
  const [exporting, setExporting] = useState(false);
  const [savedOpen, setSavedOpen] = useState(false);
  // The saved search last opened, named under the title until the search changes.
  const [openedSaved, setOpenedSaved] = useState<{ name: string; params: string } | null>(null);
  const [live, setLive] = useState(false);
  const liveAllowed = search.range.kind === "preset";
  const tailing = live && liveAllowed;
  // Live mode shows newest first (arrivals go on top): sorting oldest
  // first ends it, and starting it sorts newest first. A list oldest first
  // holds the oldest pages only, where an arrival has no place.
  useEffect(() => {
    if (order === "asc") setLive(false);
  }, [order]);
  const changeOrder = useCallback(
    (next: EventOrder) => {
      setParams((prev) => {
        const p = new URLSearchParams(prev);
        writeOrder(p, next);
        return p;
      });
    },
    [setParams],
  );
  const changeLive = useCallback(
    (on: boolean) => {
      setLive(on);
      if (on && order === "asc") changeOrder("desc");
    },
    [order, changeOrder],
  );

  const update = useCallback(
    (next: Partial<SearchState> | ((prev: SearchState) => Partial<SearchState>), extra?: (p: URLSearchParams) => void) => {
      setParams((prev) => {
        const cur = readSearchState(prev);
        const p = writeSearchState({ ...cur, ...(typeof next === "function" ? next(cur) : next) }, prev);
        extra?.(p);
        return p;
      });
    },
    [setParams],
  );

  const results = useInfiniteQuery({
    queryKey: queryKeys.events({ ...filter, order }),
    queryFn: ({ pageParam, signal }) => api.searchEvents({ ...filter, size: PAGE_SIZE, order, cursor: pageParam || undefined }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  // Counted once per search: in live mode the arrivals are added to it
  // here, so that the chart, the count and the list agree.
  const stats = useQuery({
    queryKey: queryKeys.eventStats(filter),
    queryFn: ({ signal }) => api.eventStats(filter, signal),
  });
  const tail = useLiveTail(tailing, search.query.trim(), search.severities, search.range);
  // Nothing in the range: are matching events stored outside it? (After an
  // archive's import, they all are.) The newest of them tells where to look.
  const noneInRange = results.isSuccess && (results.data?.pages[0]?.items.length ?? 0) === 0;
  const outside = useQuery({
    queryKey: queryKeys.events({ query: filter.query, severity: filter.severity, size: 1, all: true }),
    queryFn: ({ signal }) => api.searchEvents({ query: filter.query, severity: filter.severity, size: 1 }, signal),
    enabled: noneInRange,
  });
  const newestOutside = noneInRange ? outside.data?.items[0] : undefined;
  // And where the oldest of them lies (the first month with any, counted
  // over all history), so that all of them can be shown at once.
  const newestTime = newestOutside?.["@timestamp"];
  const spanTo = newestTime ? new Date(new Date(newestTime).getTime() + 1000).toISOString() : "";
  const span = useQuery({
    queryKey: queryKeys.eventStats({ query: filter.query, severity: filter.severity, from: EPOCH, to: spanTo, span: true }),
    queryFn: ({ signal }) => api.eventStats({ query: filter.query, severity: filter.severity, from: EPOCH, to: spanTo }, signal),
    enabled: spanTo !== "",
  });
  const oldestBucket = span.data?.over_time.find((b) => b.count > 0)?.start;

  // The event in the drawer is in the URL (?event=id), so that it can be linked.
  const openId = params.get("event");
  const searched = useMemo(() => results.data?.pages.flatMap((p) => p.items) ?? [], [results.data]);
  // Live events go where their time puts them, newest first like the search.
  const rows = useMemo(() => (tail.events.length === 0 ? searched : mergeNewestFirst(tail.events, searched)), [tail.events, searched]);
  // Those not already counted by the search (one stored as the search ran may arrive live too).
  const liveOnly = useMemo(() => {
    if (tail.events.length === 0) return tail.events;
    const ids = new Set(searched.map((e) => e.id));
    return tail.events.filter((e) => !ids.has(e.id));
  }, [tail.events, searched]);
  const liveIds = useMemo(() => new Set(tail.events.map((e) => e.id)), [tail.events]);
  const inList = openId ? rows.find((e) => e.id === openId) : undefined;
  const fetched = useQuery({
    queryKey: queryKeys.event(openId ?? ""),
    queryFn: ({ signal }) => api.getEvent(openId ?? "", signal),
    enabled: openId !== null && inList === undefined,
  });
  const openEvent = inList ?? fetched.data;

  const { pause, resume, paused } = tail;
  const onOpen = useCallback(
    (ev: SecurityEvent) => {
      setParams((prev) => {
        const p = new URLSearchParams(prev);
        p.set("event", ev.id);
        return p;
      });
    },
    [setParams],
  );
  const closeEvent = useCallback(() => {
    setParams((prev) => {
      const p = new URLSearchParams(prev);
      p.delete("event");
      return p;
    });
  }, [setParams]);

  // Live mode stands still while an event is open or the reader has scrolled down.
  useEffect(() => {
    if (!tailing) return;
    if (openId) {
      pause();
      return;
    }
    const onScroll = () => {
      if (window.scrollY > 240) pause();
    };
    if (window.scrollY <= 240) resume();
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, [tailing, openId, pause, resume]);

  // "/" puts the cursor in the search box, as in most log tools.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      if (document.querySelector('[role="dialog"]')) return;
      e.preventDefault();
      document.getElementById("events-query")?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  function submit(e: FormEvent) {
    e.preventDefault();
    update({ query: draft }, (p) => p.delete("event"));
  }

  const onFilter = useCallback(
    (field: string, value: string | number | boolean, exclude: boolean) => {
      update((cur) => ({ query: addClause(cur.query, fieldClause(field, value, exclude)) }), (p) => p.delete("event"));
    },
    [update],
  );

  const queryError = [results.error, stats.error].find((e) => isApiError(e) && e.status === 400 && (e.code === "bad_query" || e.field === "query"));
  const otherError = queryError ? null : (results.error ?? null);
  const histogram = useMemo(() => (stats.data ? histogramOf(withEvents(stats.data, liveOnly)) : null), [stats.data, liveOnly]);
  const searchedTotal = results.data?.pages[0]?.total;
  // What the search counted and what arrived live since: one number for the heading and the list.
  const total = searchedTotal === undefined ? undefined : searchedTotal + liveOnly.length;
  // An invalid search has no count: neither "counting" nor "none".
  const noCount = queryError !== undefined || results.isError;
  const filtered = search.query.trim() !== "" || search.severities.length > 0;
  // Kept while a new search runs, so that the field open in it stays open
  // and shows the new search's values.
  const hasFields = rows.length > 0 || results.isPending;
  const showFields = fieldsOpen && hasFields;

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Events</h1>
          <p className="page-subtitle">Search every event the server has stored. {rangeLabel(search.range, formatTime)}.</p>
        </div>
        <div className="page-actions">
          <LiveToggle live={live} allowed={liveAllowed} oldestFirst={order === "asc"} status={tail.error ? "refused" : tail.status} onChange={changeLive} />
          <button type="button" className="btn" onClick={() => setSavedOpen(true)}>
            Saved searches
          </button>
          <button type="button" className="btn" onClick={() => setExporting(true)}>
            Export
          </button>
        </div>
      </header>
      {openedSaved && openedSaved.params === writeSearchState(search).toString() ? (
        <p className="saved-search-current" role="status">
          Saved search <strong>{openedSaved.name}</strong>
        </p>
      ) : null}

      <form className="search-bar" onSubmit={submit} role="search" aria-label="Events">
        <div className={queryError ? "field field-invalid search-field" : "field search-field"}>
          <label htmlFor="events-query" className="sr-only">
            Search
          </label>
          <input
            id="events-query"
            type="search"
            className="search-input mono"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder='user.name:root AND source.ip:81.2.69.0/24  ·  "failed password"  ·  event.severity:>=73'
            aria-invalid={queryError ? true : undefined}
            aria-describedby="events-query-help"
            aria-label="Search"
            spellCheck={false}
            autoComplete="off"
          />
          {queryError ? (
            <div className="field-error" id="events-query-help" role="alert">
              {(queryError as Error).message}
            </div>
          ) : (
            <div className="field-hint" id="events-query-help">
              <code>field:value</code>, <code>"a phrase"</code>, <code>AND</code> / <code>OR</code> / <code>NOT</code>, wildcards <code>adm*</code>, ranges{" "}
              <code>source.port:[1 TO 1024]</code>, times <code>@timestamp:&gt;now-1h</code>, Sysmon names <code>Image:*cmd.exe</code>, any role <code>related.user:alice</code>, free text. Press
              Enter to search, <kbd>/</kbd> to come back here.
            </div>
          )}
        </div>
        <button type="submit" className="btn btn-primary">
          Search
        </button>
      </form>

      <div className="filter-row">
        <TimeRangePicker range={search.range} onChange={(range) => update({ range }, (p) => p.delete("event"))} />
        <SeverityFilter value={search.severities} onChange={(severities) => update({ severities }, (p) => p.delete("event"))} />
      </div>

      <div className="card histogram-card">
        <div className="card-head">
          <h2>
            {noCount ? (
              "Events"
            ) : total !== undefined ? (
              <>
                <span className="big-number">{total.toLocaleString()}</span> event{total === 1 ? "" : "s"}
                {liveOnly.length > 0 ? (
                  <>
                    {" "}
                    <span className="muted">· {liveOnly.length.toLocaleString()} of them arrived live</span>
                  </>
                ) : null}
              </>
            ) : (
              "Counting events…"
            )}
          </h2>
          {!noCount && histogram && histogram.bars.length > 0 ? (
            <span className="muted card-head-note">
              One bar per {intervalLabel(histogram.intervalSeconds)} · click a bar, or drag across bars, to zoom in
            </span>
          ) : null}
        </div>
        {noCount ? (
          <div className="histogram-placeholder muted">{queryError ? "No chart: the search has an error." : "No chart: the search failed."}</div>
        ) : histogram && histogram.max > 0 ? (
          <HistogramChart histogram={histogram} label="Events over time" onZoom={(r) => update({ range: { kind: "absolute", from: r.from, to: r.to } })} />
        ) : stats.isPending ? (
          <div className="histogram-placeholder muted">Loading the histogram…</div>
        ) : (
          <div className="histogram-placeholder muted">No events to chart in this range.</div>
        )}
        <SeverityLegend />
      </div>

      {tailing ? (
        <LiveNotices dropped={tail.dropped} outside={tail.outside} paused={paused} pending={tail.pending.length} error={tail.error} onResume={resume} />
      ) : null}
      {otherError ? <ErrorMessage error={otherError} /> : null}

      <div className={showFields ? "events-body has-fields" : "events-body"}>
        {showFields ? (
          <FieldsPanel id="events-fields" events={rows} filter={filter} total={searchedTotal} columns={columns} onColumnsChange={changeColumns} onFilter={onFilter} />
        ) : null}
        <div className="events-main">
          <div className="table-toolbar">
            {hasFields ? <FieldsToggle open={fieldsOpen} onChange={changeFieldsOpen} controls="events-fields" /> : null}
            <span className="muted table-toolbar-status" role="status">
              {results.isPending
                ? "Searching…"
                : total !== undefined
                  ? `Showing ${rows.length.toLocaleString()} of ${total.toLocaleString()}, ${order === "asc" ? "oldest" : "newest"} first`
                  : ""}
            </span>
            <ColumnChooser columns={columns} onChange={changeColumns} />
          </div>

          {results.isSuccess && rows.length === 0 ? (
            <div className="empty empty-left">
              <p className="empty-title">{filtered ? "No events match this search in this time range." : "No events in this time range."}</p>
              {newestOutside ? (
                <p role="status">
                  {(outside.data?.total ?? 0).toLocaleString()} {filtered ? "matching " : ""}event{outside.data?.total === 1 ? " is" : "s are"} stored outside it, the newest at{" "}
                  {formatTime(newestOutside["@timestamp"])}.{" "}
                  {oldestBucket && new Date(oldestBucket).getTime() < new Date(newestOutside["@timestamp"]).getTime() - 7 * 24 * 3600_000 ? (
                    <>
                      <button type="button" className="link-button" onClick={() => update({ range: { kind: "absolute", from: oldestBucket, to: spanTo } })}>
                        Show all of them, since {formatMonth(oldestBucket)}
                      </button>
                      {" · "}
                    </>
                  ) : null}
                  <button type="button" className="link-button" onClick={() => update({ range: weekUpTo(newestOutside["@timestamp"]) })}>
                    Show the week up to it
                  </button>
                </p>
              ) : (
                <>
                  {filtered ? <p>Try a wider time range, fewer filters, or a wildcard such as <code>user.name:adm*</code>.</p> : null}
                  {outside.isSuccess || outside.isError ? <SendEventsHint canManageKeys={canManageKeys} /> : null}
                </>
              )}
            </div>
          ) : rows.length > 0 ? (
            <EventsTable
              events={rows}
              columns={columns}
              onOpen={onOpen}
              openId={openId}
              liveIds={liveIds}
              caption={order === "asc" ? "Events, oldest first" : "Events, newest first"}
              order={order}
              onOrderChange={changeOrder}
            />
          ) : null}

          {results.hasNextPage ? (
            <div className="pager pager-center">
              <button type="button" className="btn" onClick={() => void results.fetchNextPage()} disabled={results.isFetchingNextPage}>
                {results.isFetchingNextPage ? "Loading…" : `Load ${PAGE_SIZE} more`}
              </button>
            </div>
          ) : null}
        </div>
      </div>

      {openId && openEvent ? <EventDrawer event={openEvent} onClose={closeEvent} onFilter={onFilter} /> : null}
      {openId && !openEvent && fetched.isError ? (
        <div className="alert alert-error" role="alert">
          That event could not be opened: {(fetched.error as Error).message}
        </div>
      ) : null}
      {exporting ? <ExportDialog search={search} order={order} total={total} onClose={() => setExporting(false)} /> : null}
      {savedOpen ? (
        <SavedSearchesDialog
          search={search}
          columns={columns}
          writable={canSaveSearches}
          onClose={() => setSavedOpen(false)}
          onOpen={(saved) => {
            const view = savedSearchState(saved);
            // One change of the URL: a second in the same tick would start from the old one.
            update(view.search, (p) => {
              p.delete("event");
              if (view.columns.length > 0) writeColumnsParam(p, view.columns);
            });
            if (view.columns.length > 0) {
              setStoredColumns(view.columns);
              saveColumns(view.columns);
            }
            setOpenedSaved({ name: saved.name, params: writeSearchState(view.search).toString() });
            setSavedOpen(false);
          }}
        />
      ) : null}
    </section>
  );
}

function LiveToggle({ live, allowed, oldestFirst, status, onChange }: { live: boolean; allowed: boolean; oldestFirst: boolean; status: string; onChange: (v: boolean) => void }) {
  return (
    <div className="live-toggle">
      {live && allowed ? (
        <span className={status === "open" ? "pill pill-on" : status === "refused" ? "pill pill-off" : "pill pill-warn"} role="status">
          {status === "open" ? "Live" : status === "refused" ? "Not live" : "Connecting…"}
        </span>
      ) : null}
      <button
        type="button"
        className={live && allowed ? "btn btn-live-on" : "btn"}
        aria-pressed={live && allowed}
        disabled={!allowed}
        title={
          !allowed
            ? "Live mode follows a relative time range (15 min … all time), not a fixed one"
            : oldestFirst
              ? "Show new events as they arrive, newest first (the list is oldest first now)"
              : "Show new events as they arrive"
        }
        onClick={() => onChange(!live)}
      >
        Live mode
      </button>
    </div>
  );
}

interface LiveNoticesProps {
  dropped: number;
  outside: number;
  paused: boolean;
  pending: number;
  error: string | null;
  onResume: () => void;
}

function LiveNotices({ dropped, outside, paused, pending, error, onResume }: LiveNoticesProps) {
  return (
    <div className="live-notices">
      {error ? (
        <div className="alert alert-error" role="alert">
          Live mode: {error}
        </div>
      ) : null}
      {paused ? (
        <div className="alert alert-info live-paused" role="status">
          <span>
            Live mode is paused while you read{pending > 0 ? `: ${pending.toLocaleString()} new event${pending === 1 ? "" : "s"} waiting` : ""}.
          </span>
          <button type="button" className="btn btn-small" onClick={onResume}>
            Resume
          </button>
        </div>
      ) : null}
      {outside > 0 ? (
        <div className="alert alert-info" role="status">
          {outside.toLocaleString()} live event{outside === 1 ? " was" : "s were"} stamped outside the time range and {outside === 1 ? "is" : "are"} not listed.
        </div>
      ) : null}
      {dropped > 0 ? (
        <div className="alert alert-warning" role="status">
          {dropped.toLocaleString()} dropped: events arrived faster than this browser could take them. Search again to see them all.
        </div>
      ) : null}
    </div>
  );
}

function SeverityLegend() {
  return (
    <ul className="sev-legend" aria-label="Severity colours">
      {(["info", "low", "medium", "high", "critical"] as const).map((s) => (
        <li key={s}>
          <span className={`sev-swatch sev-fill-${s}`} aria-hidden="true" />
          {s[0]?.toUpperCase() + s.slice(1)}
        </li>
      ))}
    </ul>
  );
}
