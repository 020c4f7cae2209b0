import { useEffect, useRef, useState, type ReactNode } from "react";
import { EXPORT_FORMATS, SEVERITY_LABELS, type EventOrder, type ExportFormat } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { formatTime } from "../ui/time";
import { downloadExport, FORMAT_LABELS, formatBytes, type Downloaded } from "./exportDownload";
import { apiRange, rangeLabel, type SearchState } from "./searchState";

// What the server writes (internal/eventstore/duckdb/export.go).
const HINTS: Record<ExportFormat, string> = {
  ndjson:
    "One event per line as its ECS document, fields nested as stored, with @timestamp, _id, event.ingested and event.original (the raw text as received). Not the API's shape: no id, fields or raw wrapper.",
  csv: "A flat table for spreadsheets: the common fields as columns.",
  parquet: "Columnar, compressed: for DuckDB, pandas, Spark.",
};

/** Export the current search, whatever its size, in the order on screen: the server streams the file. */
export function ExportDialog({ search, order, total, onClose }: { search: SearchState; order: EventOrder; total: number | undefined; onClose: () => void }) {
  const [format, setFormat] = useState<ExportFormat>("ndjson");
  const [state, setState] = useState<{ kind: "idle" } | { kind: "running"; bytes: number } | { kind: "done"; file: Downloaded } | { kind: "failed"; error: unknown }>({
    kind: "idle",
  });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function start() {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setState({ kind: "running", bytes: 0 });
    const { from, to } = apiRange(search.range);
    try {
      const file = await downloadExport(
        { query: search.query.trim(), severity: search.severities, from: from ?? "", to: to ?? "", format, order },
        (bytes) => setState({ kind: "running", bytes }),
        ctrl.signal,
      );
      setState({ kind: "done", file });
    } catch (error) {
      if (ctrl.signal.aborted) return;
      setState({ kind: "failed", error });
    }
  }

  const running = state.kind === "running";
  return (
    <Dialog title="Export events" onClose={onClose}>
      <div className="dialog-body">
        <SearchSummary search={search}>
          {total !== undefined ? (
            <div>
              <dt>Events</dt>
              <dd>{total.toLocaleString()}</dd>
            </div>
          ) : null}
        </SearchSummary>
        <fieldset className="format-choice">
          <legend>Format</legend>
          {EXPORT_FORMATS.map((f) => (
            <label key={f} className="radio-card">
              <input type="radio" name="export-format" value={f} checked={format === f} onChange={() => setFormat(f)} disabled={running} />
              <span>
                <strong>{FORMAT_LABELS[f]}</strong>
                <span className="muted"> — {HINTS[f]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <p className="muted">Every format lists the events {order === "asc" ? "oldest" : "newest"} first, by @timestamp, as the list on screen does.</p>
        <p role="status" className="export-status">
          {state.kind === "running"
            ? `Downloading… ${formatBytes(state.bytes)}`
            : state.kind === "done"
              ? `Downloaded ${state.file.filename} (${formatBytes(state.file.bytes)}).`
              : ""}
        </p>
        {state.kind === "failed" ? <ErrorMessage error={state.error} /> : null}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {state.kind === "done" ? "Close" : "Cancel"}
        </button>
        <button type="button" className="btn btn-primary" onClick={start} disabled={running}>
          Download {FORMAT_LABELS[format]}
        </button>
      </div>
    </Dialog>
  );
}

/** What a search selects (its text, time range and bands), then the rows given. */
export function SearchSummary({ search, children }: { search: SearchState; children?: ReactNode }) {
  return (
    <dl className="export-summary">
      <div>
        <dt>Search</dt>
        <dd>{search.query.trim() ? <code>{search.query.trim()}</code> : <span className="muted">every event</span>}</dd>
      </div>
      <div>
        <dt>Time range</dt>
        <dd>{rangeLabel(search.range, formatTime)}</dd>
      </div>
      <div>
        <dt>Severity</dt>
        <dd>{search.severities.length ? search.severities.map((s) => SEVERITY_LABELS[s]).join(", ") : "all"}</dd>
      </div>
      {children}
    </dl>
  );
}
