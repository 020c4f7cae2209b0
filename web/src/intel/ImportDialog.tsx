// Import indicators from a file (STIX 2.1, MISP event JSON, CSV or a plain
// list) and show what happened to every record.

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Dialog } from "../ui/Dialog";
import { FormAlert, SelectField, TextField, fieldError } from "../ui/form";
import { INTEL_SEVERITIES, importIndicators, type ImportReport } from "./intelApi";

const FORMATS = [
  { value: "", label: "Detect from the file" },
  { value: "stix", label: "STIX 2.1 bundle" },
  { value: "misp", label: "MISP event JSON" },
  { value: "csv", label: "CSV (header: type,value,...)" },
  { value: "plain", label: "Plain list (one value per line)" },
];

export function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState("");
  const [source, setSource] = useState("");
  const [severity, setSeverity] = useState("");
  const [tags, setTags] = useState("");
  const run = useMutation({
    mutationFn: () => importIndicators(file!, file!.name, { format, source, severity, tags }),
    onSuccess: () => onImported(),
  });
  const report = run.data;
  return (
    <Dialog title="Import indicators" onClose={onClose} wide>
      {report ? (
        <Report report={report} onClose={onClose} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (file) run.mutate();
          }}
        >
          <FormAlert error={run.error} fields={["format", "source", "severity", "tags"]} />
          <div className="field">
            <label htmlFor="intel-import-file">File</label>
            <input id="intel-import-file" type="file" accept=".json,.csv,.txt,.stix,application/json,text/csv,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </div>
          <SelectField label="Format" value={format} onChange={setFormat} options={FORMATS} error={fieldError(run.error, "format")} />
          <TextField label="Source name" value={source} onChange={setSource} error={fieldError(run.error, "source")} placeholder="import"
            hint="Importing again into the same source updates its indicators instead of adding copies." />
          <SelectField label="Default severity" value={severity} onChange={setSeverity} error={fieldError(run.error, "severity")}
            options={[{ value: "", label: "medium (unless the file says)" }, ...INTEL_SEVERITIES.map((s) => ({ value: s, label: s }))]} />
          <TextField label="Tags for every indicator" value={tags} onChange={setTags} hint="Comma-separated" />
          <div className="form-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={!file || run.isPending}>
              {run.isPending ? "Importing…" : "Import"}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function Report({ report, onClose }: { report: ImportReport; onClose: () => void }) {
  const skipped = Object.entries(report.skipped);
  return (
    <div className="intel-report" role="status" aria-label="Import report">
      <dl>
        <dt>File</dt>
        <dd>
          {report.name} ({report.format}), source <strong>{report.source}</strong>
        </dd>
        <dt>Indicators read</dt>
        <dd>{report.indicators}</dd>
        <dt>Created</dt>
        <dd>{report.created}</dd>
        <dt>Updated</dt>
        <dd>{report.updated}</dd>
        <dt>Records refused</dt>
        <dd>{report.error_count}</dd>
        <dt>Searched in history</dt>
        <dd>{report.retro_hunted}</dd>
      </dl>
      {skipped.length > 0 ? (
        <ul className="muted">
          {skipped.map(([why, n]) => (
            <li key={why}>
              Skipped {n}: {why}
            </li>
          ))}
        </ul>
      ) : null}
      {report.warnings.map((w) => (
        <p key={w} className="muted">
          {w}
        </p>
      ))}
      {report.errors.length > 0 ? (
        <div className="table-wrap">
          <table className="table table-compact" aria-label="Refused records">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Line</th>
                <th scope="col">Field</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((e, i) => (
                <tr key={i}>
                  <td>{e.record}</td>
                  <td>{e.line ?? ""}</td>
                  <td>
                    <code>{e.field}</code>
                  </td>
                  <td>
                    {e.reason}
                    {e.unsupported ? <span className="muted"> (valid, but not representable)</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
