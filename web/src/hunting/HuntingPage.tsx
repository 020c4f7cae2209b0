// Hunting (/hunting): the KQL workbench, Sentinel style. A KQL editor
// (highlighting, completion from the schema, the server's problems marked
// at their line and column as the query is typed), a time range and a row
// limit, Run (Ctrl/Cmd+Enter); the result as a table with a timeline per
// hour and the selected row as JSON, exported as CSV or JSON; beside it
// the schema, the user's history and the organisation's saved queries.
// Loaded on demand (React.lazy) with CodeMirror.

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import {
  huntingApi,
  huntingKeys,
  isKqlError,
  isQueryTimeout,
  useKqlSchema,
  type KqlCheck,
  type KqlProblem,
  type KqlResult,
  type KqlRunRequest,
  type SavedQuery,
} from "../api/hunting";
import { hasPermission, useCurrentUser } from "../app/session";
import { presetLabel, type TimeRange } from "../events/searchState";
import { TimeRangePicker } from "../events/TimeRangePicker";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { formatTime } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { ExportControls } from "./ExportControls";
import { HistoryPanel } from "./HistoryPanel";
import { EXAMPLE_QUERY, HUNT_PRESETS, MAX_LIMIT, absoluteRange, parseLimit, readHuntState, writeHuntState } from "./huntState";
import { KqlEditor, type KqlEditorHandle } from "./KqlEditor";
import { formatElapsed, timeColumnIndex, timelineOf } from "./results";
import { ResultsTable } from "./ResultsTable";
import { SavedPanel } from "./SavedPanel";
import { SaveQueryDialog } from "./SaveQueryDialog";
import { SchemaPanel } from "./SchemaPanel";
import { TimelineChart } from "./TimelineChart";
import "../rules/rules.css";
import "./hunting.css";

const CHECK_MS = 400;

export default function HuntingPage() {
  useDocumentTitle("Hunting");
  const me = useCurrentUser();
  if (!hasPermission(me, "events:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Hunting</h1>
        </header>
        <AccessDenied area="Hunting" role={me.role} />
      </section>
    );
  }
  return <Workbench />;
}

/** A result on screen, with what was asked for it. */
interface Shown {
  result: KqlResult;
  request: KqlRunRequest;
  /** The queried window in epoch milliseconds (for the timeline). */
  window: { from: number; to: number };
  rangeText: string;
}

type RunStatus = { kind: "idle" } | { kind: "running" } | { kind: "cancelled" } | { kind: "failed"; error: unknown; query: string };

type SideTab = "schema" | "history" | "saved";
const SIDE_TABS: ReadonlyArray<[SideTab, string]> = [
  ["schema", "Schema"],
  ["history", "History"],
  ["saved", "Saved"],
];

function rangeText(range: TimeRange): string {
  return range.kind === "preset" ? presetLabel(range.preset).toLowerCase() : `${formatTime(range.from)} – ${formatTime(range.to)}`;
}

function Workbench() {
  // Saving, changing and deleting the organisation's queries.
  const writable = hasPermission(useCurrentUser(), "searches:write");
  const ids = useId();
  const [params, setParams] = useSearchParams();
  // The URL gives the first state; from then on the page owns it and writes it back on each run.
  const [initial] = useState(() => readHuntState(params));
  const [query, setQuery] = useState(initial.query || EXAMPLE_QUERY);
  const [range, setRange] = useState<TimeRange>(initial.range);
  const [limitText, setLimitText] = useState(String(initial.limit));
  const limit = parseLimit(limitText);
  const editor = useRef<KqlEditorHandle>(null);
  const queryClient = useQueryClient();
  const schema = useKqlSchema();

  const [side, setSide] = useState<SideTab>("schema");
  const sideTabs = useRef<Array<HTMLButtonElement | null>>([]);
  const [current, setCurrent] = useState<SavedQuery | null>(null);
  const [saveDialog, setSaveDialog] = useState<{ existing?: SavedQuery } | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);

  // --- Checked as it is typed ---
  const asked = useDebounced(query, CHECK_MS);
  const check = useQuery({
    queryKey: huntingKeys.check(asked),
    queryFn: ({ signal }) => huntingApi.check(asked, signal),
    enabled: asked.trim() !== "",
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  const checkResult: KqlCheck | undefined = query.trim() === "" ? undefined : check.data;
  const checking = query.trim() !== "" && (asked !== query || check.isFetching);

  // --- Run ---
  const [status, setStatus] = useState<RunStatus>({ kind: "idle" });
  const [shown, setShown] = useState<Shown | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(async () => {
    if (query.trim() === "" || limit === null) return;
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    const bounds = absoluteRange(range);
    const request: KqlRunRequest = { query, from: bounds.from, to: bounds.to, limit };
    setStatus({ kind: "running" });
    setParams((prev) => writeHuntState({ query, range, limit }, prev), { replace: true });
    try {
      const result = await huntingApi.run(request, ctrl.signal);
      if (abort.current !== ctrl) return;
      setShown({ result, request, window: { from: Date.parse(bounds.from), to: Date.parse(bounds.to) }, rangeText: rangeText(range) });
      setSelected(null);
      setStatus({ kind: "idle" });
    } catch (error) {
      if (abort.current !== ctrl || ctrl.signal.aborted) return;
      setShown(null);
      setStatus({ kind: "failed", error, query });
    } finally {
      // Failed runs are in the history too.
      void queryClient.invalidateQueries({ queryKey: huntingKeys.history });
    }
  }, [query, range, limit, setParams, queryClient]);

  // Cancelled at once: the server stops the query when the request goes away; a late answer is ignored.
  const cancel = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    setStatus({ kind: "cancelled" });
  }, []);

  const startRef = useRef(start);
  startRef.current = start;
  const runNow = useCallback(() => void startRef.current(), []);

  // Ctrl/Cmd+Enter runs from anywhere on the page (the editor handles its own).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key !== "Enter" || e.defaultPrevented) return;
      if (document.querySelector('[role="dialog"]')) return;
      e.preventDefault();
      void startRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // --- Problems: the failed run's while its text is unchanged, else the live check's ---
  const runError = status.kind === "failed" ? status.error : null;
  const problems: KqlProblem[] = useMemo(() => {
    if (status.kind === "failed" && isKqlError(status.error) && status.error.line > 0 && status.query === query) {
      return [{ code: status.error.code, message: status.error.message, line: status.error.line, column: status.error.column }];
    }
    return checkResult?.errors ?? [];
  }, [status, query, checkResult]);

  // --- Loading queries into the editor ---
  const load = useCallback((text: string) => {
    setQuery(text);
    setCurrent(null);
    setSavedNote(null);
    editor.current?.focusAt(1, 1);
  }, []);
  const openSaved = useCallback((q: SavedQuery) => {
    setQuery(q.query);
    setCurrent(q);
    setSavedNote(null);
    editor.current?.focusAt(1, 1);
  }, []);
  const insert = useCallback((text: string) => editor.current?.insert(text), []);

  function onSideKey(e: ReactKeyboardEvent<HTMLButtonElement>) {
    const order = SIDE_TABS.map(([t]) => t);
    const i = order.indexOf(side);
    let next: SideTab | undefined;
    if (e.key === "ArrowRight") next = order[(i + 1) % order.length];
    else if (e.key === "ArrowLeft") next = order[(i + order.length - 1) % order.length];
    else if (e.key === "Home") next = order[0];
    else if (e.key === "End") next = order[order.length - 1];
    if (!next) return;
    e.preventDefault();
    setSide(next);
    sideTabs.current[order.indexOf(next)]?.focus();
  }

  const running = status.kind === "running";
  const canRun = query.trim() !== "" && limit !== null && !running;
  const edited = current !== null && current.query !== query;

  return (
    <section className="page page-wide hunting-page" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Hunting</h1>
          <p className="page-subtitle">KQL over your events and alerts, with Sentinel's table names (SecurityEvent, Syslog, SigninLogs, …).</p>
        </div>
      </header>

      <div className="hunt-layout">
        <aside className="card hunt-side" aria-label="Schema, history and saved queries">
          <div className="tabs hunt-side-tabs" role="tablist" aria-label="Side panel">
            {SIDE_TABS.map(([t, label], i) => (
              <button
                key={t}
                ref={(el) => {
                  sideTabs.current[i] = el;
                }}
                type="button"
                role="tab"
                id={`${ids}-tab-${t}`}
                aria-controls={`${ids}-panel-${t}`}
                aria-selected={side === t}
                tabIndex={side === t ? 0 : -1}
                className={side === t ? "tab active" : "tab"}
                onClick={() => setSide(t)}
                onKeyDown={onSideKey}
              >
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`${ids}-panel-${side}`} aria-labelledby={`${ids}-tab-${side}`} className="hunt-side-panel">
            {side === "schema" ? <SchemaPanel schema={schema.data} loading={schema.isPending} error={schema.error} onInsert={insert} /> : null}
            {side === "history" ? <HistoryPanel onLoad={load} /> : null}
            {side === "saved" ? (
              <SavedPanel
                currentId={current?.id ?? null}
                canSave={query.trim() !== ""}
                writable={writable}
                onOpen={openSaved}
                onSaveNew={() => setSaveDialog({})}
                onUpdate={(q) => setSaveDialog({ existing: q })}
                onDeleted={(q) => {
                  if (current?.id === q.id) setCurrent(null);
                }}
              />
            ) : null}
          </div>
        </aside>

        <div className="hunt-main">
          <section className="card hunt-query" aria-label="Query">
            <div className="hunt-toolbar">
              <TimeRangePicker range={range} onChange={setRange} presets={HUNT_PRESETS} />
              <div className={limit === null ? "field hunt-limit field-invalid" : "field hunt-limit"}>
                <label htmlFor={`${ids}-limit`}>Limit</label>
                <input
                  id={`${ids}-limit`}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={MAX_LIMIT}
                  value={limitText}
                  onChange={(e) => setLimitText(e.target.value)}
                  aria-invalid={limit === null ? true : undefined}
                  aria-describedby={limit === null ? `${ids}-limit-error` : undefined}
                />
                {limit === null ? (
                  <span className="field-error" id={`${ids}-limit-error`}>
                    1 to {MAX_LIMIT}
                  </span>
                ) : null}
              </div>
              <div className="hunt-run">
                {writable ? (
                  <button type="button" className="btn" onClick={() => setSaveDialog(current ? { existing: current } : {})} disabled={query.trim() === ""}>
                    {current ? "Update saved query…" : "Save query…"}
                  </button>
                ) : null}
                {running ? (
                  <button type="button" className="btn" onClick={cancel}>
                    Cancel
                  </button>
                ) : null}
                <button type="button" className="btn btn-primary" onClick={runNow} disabled={!canRun} title="Run query (Ctrl+Enter)">
                  {running ? "Running…" : "Run query"}
                </button>
              </div>
            </div>
            {current ? (
              <p className="hunt-current muted">
                Saved query <strong>{current.name}</strong>
                {edited ? " (edited)" : ""}
              </p>
            ) : null}
            <div className={problems.length > 0 ? "editor-frame hunt-editor-frame editor-frame-invalid" : "editor-frame hunt-editor-frame"}>
              <KqlEditor
                ref={editor}
                value={query}
                onChange={(v) => {
                  setQuery(v);
                  setSavedNote(null);
                }}
                onRun={runNow}
                problems={problems}
                schema={schema.data}
                label="KQL query"
                describedBy={`${ids}-hint`}
                placeholderText={EXAMPLE_QUERY}
              />
            </div>
            <div className="hunt-under-editor">
              <CheckState empty={query.trim() === ""} checking={checking} result={checkResult} error={check.error} />
              <p className="field-hint hunt-hint" id={`${ids}-hint`}>
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs; <kbd>Ctrl</kbd>+<kbd>Space</kbd> completes tables, columns, operators and functions; <kbd>Esc</kbd> then{" "}
                <kbd>Tab</kbd> leaves the editor.
              </p>
            </div>
            {savedNote ? (
              <p className="alert alert-success hunt-saved-note" role="status">
                {savedNote}
              </p>
            ) : null}
            {problems.length > 0 ? (
              <ul className="problem-list" aria-label="Problems">
                {problems.map((p, i) => (
                  <li key={`${p.line}:${p.column}:${i}`}>
                    <button type="button" className="problem" onClick={() => editor.current?.focusAt(p.line, p.column)}>
                      <span className="problem-pos mono">{p.line > 0 ? `${p.line}:${p.column}` : "—"}</span>
                      <span>{p.message}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>

          <section className="hunt-results" aria-label="Results" aria-busy={running}>
            {running ? (
              <p className="hunt-running" role="status">
                Running the query…
              </p>
            ) : null}
            {status.kind === "cancelled" ? (
              <p className="muted" role="status">
                The query was cancelled.
              </p>
            ) : null}
            {runError ? <RunError error={runError} onShow={(l, c) => editor.current?.focusAt(l, c)} /> : null}
            {shown ? (
              <ResultsView shown={shown} selected={selected} onSelect={setSelected} dim={running} />
            ) : status.kind === "idle" ? (
              <div className="empty empty-left">
                <p className="empty-title">Run a query to see its results here.</p>
                <p>
                  Start from a table in the schema, or try the example. <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs it.
                </p>
              </div>
            ) : null}
          </section>
        </div>
      </div>

      {saveDialog ? (
        <SaveQueryDialog
          existing={saveDialog.existing}
          query={query}
          onClose={() => setSaveDialog(null)}
          onSaved={(saved) => {
            setSaveDialog(null);
            setCurrent(saved);
            setSavedNote(`Saved as “${saved.name}”, shared with your organisation.`);
          }}
        />
      ) : null}
    </section>
  );
}

function CheckState({ empty, checking, result, error }: { empty: boolean; checking: boolean; result: KqlCheck | undefined; error: unknown }) {
  let text = "";
  let cls = "validation muted";
  if (empty) text = "Write a query.";
  else if (error && !result) {
    text = `Cannot check the query: ${(error as Error).message}`;
    cls = "validation validation-bad";
  } else if (checking && !result) text = "Checking…";
  else if (result?.valid) {
    text = checking ? "Valid · checking…" : "Valid";
    cls = "validation validation-ok";
  } else if (result) {
    const n = result.errors.length;
    text = `${n.toLocaleString()} problem${n === 1 ? "" : "s"}${checking ? " · checking…" : ""}`;
    cls = "validation validation-bad";
  }
  return (
    <span className={cls} role="status" aria-live="polite">
      {text}
    </span>
  );
}

function RunError({ error, onShow }: { error: unknown; onShow: (line: number, column: number) => void }) {
  if (isKqlError(error)) {
    const where = error.line > 0 ? `line ${error.line}, column ${error.column}` : "";
    return (
      <div className="alert alert-error hunt-run-error" role="alert">
        <span>
          <strong>{error.code === "kql_semantic" ? "The query does not fit the schema" : "Syntax error"}</strong>
          {where ? ` at ${where}` : ""}: {error.message}
        </span>
        {error.line > 0 ? (
          <button type="button" className="btn btn-small" onClick={() => onShow(error.line, error.column)}>
            Show in the query
          </button>
        ) : null}
      </div>
    );
  }
  if (isQueryTimeout(error)) {
    return (
      <div className="alert alert-error" role="alert">
        <strong>The query timed out.</strong> {isApiError(error) && error.code === "query_timeout" ? error.message : "Narrow the time range or add filters, and run it again."}
      </div>
    );
  }
  return <ErrorMessage error={error} />;
}

function ResultsView({ shown, selected, onSelect, dim }: { shown: Shown; selected: number | null; onSelect: (i: number | null) => void; dim: boolean }) {
  const { result, request } = shown;
  const timeCol = useMemo(() => timeColumnIndex(result.columns), [result.columns]);
  const timeline = useMemo(() => (timeCol >= 0 ? timelineOf(result.rows, timeCol, shown.window) : null), [result.rows, timeCol, shown.window]);
  const n = result.stats.rows;
  const limit = request.limit ?? result.rows.length;
  return (
    <div className={dim ? "hunt-result hunt-result-stale" : "hunt-result"}>
      <div className="hunt-stats">
        <span role="status">
          <strong>
            {n.toLocaleString()} row{n === 1 ? "" : "s"}
          </strong>{" "}
          · {formatElapsed(result.stats.elapsed_ms)}
          {result.stats.scanned > 0 ? ` · ${result.stats.scanned.toLocaleString()} scanned` : ""} · {shown.rangeText}
        </span>
        <ExportControls result={result} request={request} />
      </div>
      {result.truncated ? (
        <div className="alert alert-warning hunt-truncated" role="status">
          Truncated at {limit.toLocaleString()} rows: the query returned more. Narrow it, raise the limit (up to {MAX_LIMIT}), or export every row.
        </div>
      ) : null}
      {timeline && timeline.bars.length > 0 ? (
        <section className="card histogram-card hunt-timeline-card" aria-label="Timeline">
          <div className="card-head">
            <h2>Timeline</h2>
            <span className="muted card-head-note">
              Rows per {timeline.stepMs >= 86400_000 ? "day" : "hour"} by <code>{result.columns[timeCol]?.name}</code>
              {timeline.counted < result.rows.length ? ` · ${(result.rows.length - timeline.counted).toLocaleString()} without a time` : ""}
            </span>
          </div>
          <TimelineChart timeline={timeline} label={`Rows per ${timeline.stepMs >= 86400_000 ? "day" : "hour"}`} />
        </section>
      ) : null}
      {result.rows.length === 0 ? (
        <div className="empty empty-left">
          <p className="empty-title">The query returned no rows.</p>
          <p>It read {shown.rangeText}: try a wider time range, or fewer filters.</p>
        </div>
      ) : (
        <ResultsTable columns={result.columns} rows={result.rows} selected={selected} onSelect={onSelect} caption="Query results" />
      )}
    </div>
  );
}
