// Export of the current result as CSV or JSON, made in the browser from the
// rows on screen; when the result was cut at the limit, the query can be
// run again for up to 10,000 rows to export them.

import { useEffect, useId, useRef, useState } from "react";
import { huntingApi, type KqlResult, type KqlRunRequest } from "../api/hunting";
import { errorText } from "../ui/ErrorMessage";
import { EXPORT_LIMIT } from "./huntState";
import { exportFilename, saveFile, toCsv, toJson } from "./results";

type Format = "csv" | "json";

interface Props {
  result: KqlResult;
  /** The request that produced `result` (with absolute bounds), to run again for every row. */
  request: KqlRunRequest;
}

export function ExportControls({ result, request }: Props) {
  const id = useId();
  const [all, setAll] = useState(false);
  const [status, setStatus] = useState<{ kind: "idle" } | { kind: "running" } | { kind: "done"; text: string } | { kind: "failed"; text: string }>({ kind: "idle" });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  // A new result starts over.
  useEffect(() => {
    abort.current?.abort();
    setAll(false);
    setStatus({ kind: "idle" });
  }, [result]);

  function write(format: Format, r: Pick<KqlResult, "columns" | "rows">) {
    const name = exportFilename(format);
    if (format === "csv") saveFile(toCsv(r.columns, r.rows), name, "text/csv;charset=utf-8");
    else saveFile(toJson(r.columns, r.rows), name, "application/json");
    return name;
  }

  async function exportAs(format: Format) {
    if (!(all && result.truncated)) {
      const name = write(format, result);
      setStatus({ kind: "done", text: `Saved ${name} (${result.rows.length.toLocaleString()} rows).` });
      return;
    }
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setStatus({ kind: "running" });
    try {
      const more = await huntingApi.run({ ...request, limit: EXPORT_LIMIT }, ctrl.signal);
      const name = write(format, more);
      const cut = more.truncated ? ` The query returned more: only the first ${EXPORT_LIMIT.toLocaleString()} are in the file.` : "";
      setStatus({ kind: "done", text: `Saved ${name} (${more.rows.length.toLocaleString()} rows).${cut}` });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      setStatus({ kind: "failed", text: `The export failed: ${errorText(err)}` });
    }
  }

  const running = status.kind === "running";
  return (
    <div className="hunt-export">
      <div className="segmented" role="group" aria-label="Export">
        <button type="button" className="segment" onClick={() => void exportAs("csv")} disabled={running || result.columns.length === 0}>
          Export CSV
        </button>
        <button type="button" className="segment" onClick={() => void exportAs("json")} disabled={running || result.columns.length === 0}>
          Export JSON
        </button>
      </div>
      {result.truncated ? (
        <label className="check hunt-export-all" htmlFor={`${id}-all`}>
          <input id={`${id}-all`} type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} disabled={running} />
          Every row (runs the query again, up to {EXPORT_LIMIT.toLocaleString()})
        </label>
      ) : null}
      <span className={status.kind === "failed" ? "hunt-export-status field-error" : "hunt-export-status muted"} role="status">
        {status.kind === "running" ? "Running the query again for the export…" : status.kind === "done" || status.kind === "failed" ? status.text : ""}
      </span>
    </div>
  );
}
