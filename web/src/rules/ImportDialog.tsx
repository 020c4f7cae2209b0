// Import a rule pack: a ZIP of Sigma rules (or one .yml), uploaded with
// its progress shown, then the server's report: what was loaded, updated
// (which rules), left unchanged, in conflict with the organisation's own
// rules, not imported (with file, line, column and reason) and skipped.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { detectionKeys, importRules, type ImportReport, type UploadProgress } from "../api/detection";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";

type Phase = { kind: "choose" } | { kind: "uploading"; progress: UploadProgress } | { kind: "done"; report: ImportReport } | { kind: "failed"; error: unknown };

const MAX_MB = 64;

/** The packs the server files imported rules under. */
const PACKS = [
  { value: "custom", label: "Custom (your own rules)" },
  { value: "sigmahq", label: "SigmaHQ" },
  { value: "eventsec", label: "EventSec" },
] as const;

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [pack, setPack] = useState("custom");
  const [disabled, setDisabled] = useState(false);
  const [overwrite, setOverwrite] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: "choose" });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    const ctl = new AbortController();
    abort.current = ctl;
    setPhase({ kind: "uploading", progress: { loaded: 0, total: file.size } });
    try {
      const report = await importRules(file, (progress) => setPhase({ kind: "uploading", progress }), ctl.signal, { pack, disabled, overwrite });
      setPhase({ kind: "done", report });
      void queryClient.invalidateQueries({ queryKey: detectionKeys.allRules });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") {
        setPhase({ kind: "choose" });
        return;
      }
      setPhase({ kind: "failed", error: err });
    } finally {
      abort.current = null;
    }
  }

  const tooBig = file !== null && file.size > MAX_MB * 1024 * 1024;

  return (
    <Dialog title="Import a rule pack" onClose={onClose} wide>
      {phase.kind === "done" ? (
        <>
          <div className="dialog-body">
            <ImportReportView report={phase.report} />
          </div>
          <div className="dialog-actions">
            <button
              type="button"
              className="btn"
              onClick={() => {
                setFile(null);
                setPhase({ kind: "choose" });
              }}
            >
              Import another
            </button>
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="dialog-body">
            <div className="field">
              <label htmlFor={`${id}-file`}>Rule pack</label>
              <input
                id={`${id}-file`}
                type="file"
                accept=".zip,.yml,.yaml,.json,application/zip"
                aria-describedby={`${id}-hint`}
                disabled={phase.kind === "uploading"}
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  setPhase({ kind: "choose" });
                }}
              />
              <div className="field-hint" id={`${id}-hint`}>
                A ZIP of Sigma rules (<code>.yml</code>), such as a SigmaHQ release, an export of EventSec rules, or a single rule file; up to {MAX_MB} MB.
                A pack&apos;s rule whose ID is already loaded is updated; files that are not rules are skipped and listed.
              </div>
            </div>
            <div className="field">
              <label htmlFor={`${id}-pack`}>File the rules under</label>
              <select id={`${id}-pack`} value={pack} onChange={(e) => setPack(e.target.value)} disabled={phase.kind === "uploading"} aria-describedby={`${id}-pack-hint`}>
                {PACKS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
              <div className="field-hint" id={`${id}-pack-hint`}>
                The pack the rules list filters by.
              </div>
            </div>
            <CheckField
              id={`${id}-disabled`}
              label="Import disabled"
              checked={disabled}
              onChange={setDisabled}
              busy={phase.kind === "uploading"}
              hint="Rules new to the organisation come in disabled, to be reviewed and turned on one by one. Rules already loaded keep their state."
            />
            <CheckField
              id={`${id}-overwrite`}
              label="Overwrite rules edited in EventSec"
              checked={overwrite}
              onChange={setOverwrite}
              busy={phase.kind === "uploading"}
              hint="Without this, a rule written or edited here whose text differs from the file's is kept and listed as a conflict."
            />
            {tooBig ? (
              <div className="alert alert-error" role="alert">
                {file?.name} is larger than {MAX_MB} MB.
              </div>
            ) : null}
            {phase.kind === "uploading" ? <UploadBar progress={phase.progress} /> : null}
            {phase.kind === "failed" ? <ErrorMessage error={phase.error} /> : null}
          </div>
          <div className="dialog-actions">
            {phase.kind === "uploading" ? (
              <button type="button" className="btn" onClick={() => abort.current?.abort()}>
                Cancel upload
              </button>
            ) : (
              <button type="button" className="btn" onClick={onClose}>
                Cancel
              </button>
            )}
            <button type="submit" className="btn btn-primary" disabled={!file || tooBig || phase.kind === "uploading"}>
              {phase.kind === "uploading" ? "Importing…" : "Import"}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function UploadBar({ progress }: { progress: UploadProgress }) {
  const total = Math.max(progress.total, 1);
  const done = progress.loaded >= progress.total;
  const pct = Math.min(100, Math.round((progress.loaded / total) * 100));
  return (
    <div className="upload-progress">
      <progress value={progress.loaded} max={total} aria-label="Upload progress" />
      <span role="status" className="muted">
        {done ? "Uploaded; the server is reading the rules…" : `Uploading: ${pct} % (${kb(progress.loaded)} of ${kb(progress.total)})`}
      </span>
    </div>
  );
}

function kb(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024)).toLocaleString()} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The server's import report, every figure real. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const notRunnable = report.not_runnable;
  // Files, as the CLI counts them: a file reports every problem it has. A
  // file is refused (a valid rule whose id or name is another rule's, or
  // whose action names a missing channel) or unreadable (not a valid rule).
  const failedFiles = new Set(report.failed.map((f) => f.file)).size;
  const refusedFiles = new Set(report.failed.filter((f) => f.status === "refused").map((f) => f.file));
  const unreadableFiles = new Set(report.failed.filter((f) => f.status !== "refused" && !refusedFiles.has(f.file)).map((f) => f.file)).size;
  const why: string[] = [];
  if (unreadableFiles > 0) why.push(`${unreadableFiles.toLocaleString()} file${unreadableFiles === 1 ? " is" : "s are"} not a valid rule`);
  if (refusedFiles.size > 0)
    why.push(
      `${refusedFiles.size.toLocaleString()} ${refusedFiles.size === 1 ? "was" : "were"} refused (an id or name another rule has, or an action naming a missing channel)`,
    );
  const conflicts = report.conflicts;
  const rows: Array<[string, number]> = [
    ["Loaded", report.loaded],
    ["Updated", report.updated],
    ["Unchanged", report.unchanged],
    ["Conflicts", conflicts.length],
    ["Not imported", failedFiles],
    ["Not running yet", notRunnable.length],
    ["Skipped", report.skipped.length],
  ];
  return (
    <section aria-label="Import report">
      <p role="status" className={report.failed.length > 0 || conflicts.length > 0 ? "alert alert-warning" : "alert alert-success"}>
        {report.loaded + report.updated + report.unchanged > 0
          ? `Imported in ${(report.elapsed_ms / 1000).toFixed(report.elapsed_ms < 10_000 ? 1 : 0)} s.`
          : "No rule was imported."}
        {failedFiles > 0 ? ` ${failedFiles.toLocaleString()} file${failedFiles === 1 ? " was" : "s were"} not imported: ${why.join("; ")}. Each reason is listed below.` : ""}
        {conflicts.length > 0
          ? ` ${conflicts.length.toLocaleString()} rule${conflicts.length === 1 ? " was" : "s were"} edited in EventSec and kept as ${conflicts.length === 1 ? "it is" : "they are"}; import again with “Overwrite rules edited in EventSec” to replace ${conflicts.length === 1 ? "it" : "them"}.`
          : ""}
        {report.exceptions_restored > 0 ? ` ${report.exceptions_restored.toLocaleString()} exception${report.exceptions_restored === 1 ? " was" : "s were"} restored.` : ""}
      </p>
      <dl className="import-counts">
        {rows.map(([label, n]) => (
          <div key={label} className={(label === "Not imported" || label === "Conflicts") && n > 0 ? "import-count import-count-bad" : "import-count"}>
            <dt>{label}</dt>
            <dd>{n.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      {conflicts.length > 0 ? (
        <>
          <h3 className="import-head">Conflicts: kept as edited in EventSec</h3>
          <RuleFileTable caption="Rules edited in EventSec that the import did not replace" rows={conflicts} />
        </>
      ) : null}
      {report.updated_rules.length > 0 ? (
        <details className="import-skipped">
          <summary>Updated ({report.updated_rules.length.toLocaleString()})</summary>
          <ul aria-label="Updated rules">
            {report.updated_rules.map((u) => (
              <li key={`${u.id}-${u.file}`}>
                <Link to={`/rules/${encodeURIComponent(u.id)}`}>{u.title || u.id}</Link> <span className="muted">from</span> <code>{u.file}</code>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {report.failed.length > 0 ? (
        <>
          <h3 className="import-head">Not imported</h3>
          <div className="table-wrap table-wrap-flat import-table">
            <table className="table table-compact">
              <caption className="sr-only">Files not imported</caption>
              <thead>
                <tr>
                  <th scope="col">Where</th>
                  <th scope="col">Why</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {report.failed.map((f, i) => (
                  <tr key={`${f.file}-${i}`}>
                    <td className="mono-cell">
                      {f.file}
                      {f.line > 0 ? `:${f.line}${f.column > 0 ? `:${f.column}` : ""}` : ""}
                    </td>
                    <td>{f.status === "refused" ? "Refused" : "Not a valid rule"}</td>
                    <td>{f.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {notRunnable.length > 0 ? (
        <>
          <h3 className="import-head">Stored, not running yet</h3>
          <p className="muted">
            These rules of the pack are stored but cannot run in this organisation until the reason is gone.
            {notRunnable.some((p) => /placeholder/.test(p.message)) ? (
              <>
                {" "}
                <Link to="/rules/placeholders">Give the placeholders their values</Link>.
              </>
            ) : null}
          </p>
          <RuleFileTable caption="Rules that cannot run yet" rows={notRunnable.map((f) => ({ ...f, message: f.message.replace(/^not runnable: /, "") }))} />
        </>
      ) : null}
      {report.other_not_runnable > 0 ? (
        <p className="muted">
          {report.other_not_runnable.toLocaleString()} other rule{report.other_not_runnable === 1 ? " of the organisation (not in this pack) cannot" : "s of the organisation (not in this pack) cannot"} run
          either: <Link to="/rules?runnable=false">see them</Link>.
        </p>
      ) : null}
      {report.skipped.length > 0 ? (
        <details className="import-skipped">
          <summary>
            Skipped ({report.skipped.length.toLocaleString()}):{" "}
            {skippedByReason(report.skipped)
              .map(([reason, files]) => `${files.length.toLocaleString()} ${reason}`)
              .join("; ")}
          </summary>
          {skippedByReason(report.skipped).map(([reason, files]) => (
            <section key={reason} aria-label={`Skipped: ${reason}`}>
              <p className="muted">{reason}</p>
              <ul>
                {files.map((f, i) => (
                  <li key={`${f}-${i}`}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </details>
      ) : null}
    </section>
  );
}

/** The skipped files grouped by reason, in the order the reasons first appear. */
function skippedByReason(skipped: readonly { file: string; reason: string }[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const s of skipped) {
    const files = groups.get(s.reason);
    if (files) files.push(s.file);
    else groups.set(s.reason, [s.file]);
  }
  return [...groups];
}

/** RuleFileTable lists rules of an import, each linked, with its file and the reason it is listed. */
function RuleFileTable({ caption, rows }: { caption: string; rows: ReadonlyArray<{ id: string; title: string; file: string; message: string }> }) {
  return (
    <div className="table-wrap table-wrap-flat import-table">
      <table className="table table-compact">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">File</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.id}-${r.file}`}>
              <td>
                <Link to={`/rules/${encodeURIComponent(r.id)}`}>{r.title || r.id}</Link>
              </td>
              <td className="mono-cell">{r.file}</td>
              <td>{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** CheckField is a checkbox with its hint below. */
function CheckField(p: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void; busy: boolean; hint: string }) {
  return (
    <div className="field">
      <label className="check">
        <input type="checkbox" checked={p.checked} onChange={(e) => p.onChange(e.target.checked)} disabled={p.busy} aria-describedby={`${p.id}-hint`} />
        {p.label}
      </label>
      <div className="field-hint" id={`${p.id}-hint`}>
        {p.hint}
      </div>
    </div>
  );
}
