// Vulnerabilities: every vulnerability affecting the organisation's
// endpoints, matched from their software inventories against the imported
// OSV data. KPIs by severity, one row per CVE (advisories of several
// databases about one CVE are one row) with the packages, fixed versions
// and how many endpoints are affected; filters kept in the URL; a drawer
// with the advisories and, per endpoint, why it matched; and the import
// of OSV files with the server's report per file.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { Drawer } from "../events/Drawer";
import { AccessDenied } from "../ui/AccessDenied";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import {
  ImportRefused,
  VULN_SEVERITIES,
  VULN_SEVERITY_LABELS,
  importOSV,
  useVulnDetail,
  useVulnStats,
  useVulns,
  vulnKeys,
  type ImportResult,
  type VulnSeverity,
} from "./api";
import "./vulnerabilities.css";

const PAGE = 50;

export function VulnerabilitiesPage() {
  useDocumentTitle("Vulnerabilities");
  const me = useCurrentUser();
  if (!hasPermission(me, "endpoints:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Vulnerabilities</h1>
        </header>
        <AccessDenied area="Vulnerabilities" role={me.role} />
      </section>
    );
  }
  return <VulnList canImport={hasPermission(me, "vulns:write")} />;
}

/** A severity in words and colour (never colour alone), the CVSS score beside it when known. */
export function VulnSeverityBadge({ severity, score }: { severity: VulnSeverity; score?: number | undefined }) {
  const band = severity === "none" || severity === "unknown" ? "info" : severity;
  return (
    <span className={`sev sev-${band}`} title={score ? `CVSS ${score.toFixed(1)}` : undefined}>
      <span className="sev-mark" aria-hidden="true" />
      {VULN_SEVERITY_LABELS[severity] ?? severity}
      {score ? <span className="vuln-score"> {score.toFixed(1)}</span> : null}
    </span>
  );
}

function VulnList({ canImport }: { canImport: boolean }) {
  const [params, setParams] = useSearchParams();
  const severity = params.get("severity") ?? "";
  const pkg = params.get("package") ?? "";
  const endpoint = params.get("endpoint") ?? "";
  const open = params.get("vuln") ?? "";
  const [text, setText] = useState(params.get("q") ?? "");
  const q = useDebounced(text, 300);
  const offset = Number(params.get("offset") ?? "0") || 0;
  const list = useVulns({ severity: severity || undefined, q: q || undefined, package: pkg || undefined, endpoint: endpoint || undefined, limit: PAGE, offset });
  const stats = useVulnStats();
  const [importing, setImporting] = useState(false);
  const set = (k: string, v: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (v) next.set(k, v);
      else next.delete(k);
      if (k !== "offset" && k !== "vuln") next.delete("offset");
      return next;
    });
  const s = stats.data;
  const noData = list.data !== undefined && !list.data.available;

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <h1 id="page-title">Vulnerabilities</h1>
        {canImport ? (
          <button type="button" className="btn btn-primary" onClick={() => setImporting(true)}>
            Import OSV data
          </button>
        ) : null}
      </header>
      {s ? (
        <div className="vuln-kpis" role="list" aria-label="Vulnerabilities by severity">
          {VULN_SEVERITIES.map((sev) => (
            <div role="listitem" key={sev} className={`card kpi vuln-kpi${severity === sev ? " vuln-kpi-on" : ""}`}>
              <button type="button" className="kpi-link btn-link" aria-pressed={severity === sev} onClick={() => set("severity", severity === sev ? "" : sev)}>
                <span className="kpi-label">{VULN_SEVERITY_LABELS[sev]}</span>
                <span className="kpi-value">{(s.by_severity[sev] ?? 0).toLocaleString()}</span>
                <span className="kpi-note muted">{(s.findings_by_severity[sev] ?? 0).toLocaleString()} findings</span>
              </button>
            </div>
          ))}
          <div role="listitem" className="card kpi">
            <span className="kpi-label">Affected endpoints</span>
            <span className="kpi-value">{s.affected_endpoints.toLocaleString()}</span>
            <span className="kpi-note muted">
              of {s.endpoints.toLocaleString()} ({s.endpoints_with_software.toLocaleString()} with an inventory)
            </span>
          </div>
        </div>
      ) : null}
      {s ? <DatabaseLine stats={s} /> : null}
      {noData ? (
        <div className="card vuln-empty" role="status">
          <h2>No vulnerability data yet</h2>
          <p>
            Vulnerabilities are found by matching each endpoint's installed software against OSV records. Import the archives of the distributions and
            ecosystems you run (for example <code>Debian/all.zip</code> from osv-vulnerabilities.storage.googleapis.com){" "}
            {canImport ? "with Import OSV data" : "(an admin or team lead can)"}, or with <code>eventsec vulns import</code>.
          </p>
        </div>
      ) : null}
      <form className="toolbar toolbar-filters" role="search" aria-label="Filter vulnerabilities" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Search</span>
          <input type="search" value={text} placeholder="CVE, advisory, package, summary" onChange={(e) => setText(e.target.value)} onBlur={() => set("q", text)} />
        </label>
        <label className="field">
          <span>Severity</span>
          <select value={severity} onChange={(e) => set("severity", e.target.value)}>
            <option value="">Any</option>
            {VULN_SEVERITIES.map((sev) => (
              <option key={sev} value={sev}>
                {VULN_SEVERITY_LABELS[sev]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Package</span>
          <input defaultValue={pkg} placeholder="exact name" onBlur={(e) => set("package", e.target.value.trim())} onKeyDown={(e) => e.key === "Enter" && set("package", e.currentTarget.value.trim())} />
        </label>
        <label className="field">
          <span>Endpoint</span>
          <input defaultValue={endpoint} placeholder="name or hostname" onBlur={(e) => set("endpoint", e.target.value.trim())} onKeyDown={(e) => e.key === "Enter" && set("endpoint", e.currentTarget.value.trim())} />
        </label>
      </form>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table" aria-label="Vulnerabilities">
          <thead>
            <tr>
              <th scope="col">Vulnerability</th>
              <th scope="col">Severity</th>
              <th scope="col">Package</th>
              <th scope="col">Fixed in</th>
              <th scope="col">Endpoints</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {list.isPending ? (
              <tr>
                <td colSpan={6} className="table-empty" role="status">
                  Loading vulnerabilities…
                </td>
              </tr>
            ) : list.data && list.data.items.length === 0 ? (
              <tr>
                <td colSpan={6} className="table-empty">
                  {noData ? "Nothing to match against yet." : severity || q || pkg || endpoint ? "No vulnerability matches these filters." : "No known vulnerability in the endpoints' software."}
                </td>
              </tr>
            ) : (
              list.data?.items.map((v) => (
                <tr key={v.id}>
                  <td>
                    <button type="button" className="btn-link vuln-id" onClick={() => set("vuln", v.id)}>
                      {v.id}
                    </button>
                    {v.advisories.length > 0 && !(v.advisories.length === 1 && v.advisories[0] === v.id) ? <div className="muted vuln-advisories">{v.advisories.join(", ")}</div> : null}
                  </td>
                  <td>
                    <VulnSeverityBadge severity={v.severity} score={v.score} />
                  </td>
                  <td>{v.packages.join(", ")}</td>
                  <td>{v.fixed_versions.length > 0 ? v.fixed_versions.join(", ") : <span className="muted">no fix yet</span>}</td>
                  <td>
                    <button type="button" className="btn-link" onClick={() => set("vuln", v.id)} aria-label={`${v.affected_endpoints} endpoints affected by ${v.id}`}>
                      {v.affected_endpoints}
                    </button>
                  </td>
                  <td className="vuln-summary">{v.summary}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {list.data && list.data.total > PAGE ? (
        <nav className="ep-pager vuln-pager" aria-label="Pages">
          <button type="button" className="btn" disabled={offset === 0} onClick={() => set("offset", String(Math.max(0, offset - PAGE)))}>
            Previous
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, list.data.total)} of {list.data.total}
          </span>
          <button type="button" className="btn" disabled={offset + PAGE >= list.data.total} onClick={() => set("offset", String(offset + PAGE))}>
            Next
          </button>
        </nav>
      ) : null}
      {open ? <VulnDrawer id={open} onClose={() => set("vuln", "")} /> : null}
      {importing ? <ImportDialog onClose={() => setImporting(false)} /> : null}
    </section>
  );
}

function DatabaseLine({ stats }: { stats: NonNullable<ReturnType<typeof useVulnStats>["data"]> }) {
  const db = stats.database;
  if (db.advisories === 0) return null;
  const ecos = Object.entries(db.ecosystems)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, n]) => `${k} ${n.toLocaleString()}`)
    .join(", ");
  return (
    <p className="muted vuln-db" aria-label="Vulnerability database">
      {db.advisories.toLocaleString()} advisories ({ecos})
      {db.last_import ? (
        <>
          {" "}
          · last import <Time value={db.last_import.at} />
        </>
      ) : null}
      {" "}
      · matched <Time value={stats.computed_at} />
    </p>
  );
}

function VulnDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const d = useVulnDetail(id);
  const v = d.data?.vulnerability;
  return (
    <Drawer title={id} onClose={onClose}>
      {d.isPending ? <p role="status">Loading…</p> : null}
      {d.isError ? <ErrorMessage error={d.error} /> : null}
      {v && d.data ? (
        <>
          <section className="drawer-section" aria-label="Overview">
            <p>
              <VulnSeverityBadge severity={v.severity} score={v.score} />
            </p>
            {v.summary ? <p>{v.summary}</p> : null}
            <dl className="vuln-facts">
              <dt>Packages</dt>
              <dd>{v.packages.join(", ")}</dd>
              <dt>Fixed in</dt>
              <dd>{v.fixed_versions.join(", ") || "no fix yet"}</dd>
              <dt>Endpoints</dt>
              <dd>{v.affected_endpoints}</dd>
              {v.aliases.length > 0 ? (
                <>
                  <dt>Also known as</dt>
                  <dd>{v.aliases.join(", ")}</dd>
                </>
              ) : null}
            </dl>
          </section>
          <section className="drawer-section" aria-labelledby="vuln-affected">
            <div className="drawer-section-head">
              <h3 id="vuln-affected">Affected endpoints</h3>
            </div>
            <table className="table" aria-label="Affected endpoints">
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Package</th>
                  <th scope="col">Installed</th>
                  <th scope="col">Fixed in</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {d.data.affected.map((a, i) => (
                  <tr key={`${a.endpoint_id}-${a.package}-${a.advisory_id}-${i}`}>
                    <td>
                      <Link to={`/endpoints/${a.endpoint_id}`}>{a.endpoint_name}</Link>
                      <div className="muted">
                        {a.platform} {a.platform_version}
                      </div>
                    </td>
                    <td>{a.package}</td>
                    <td>
                      <code>{a.installed_version}</code>
                    </td>
                    <td>{a.fixed_version ? <code>{a.fixed_version}</code> : <span className="muted">no fix yet</span>}</td>
                    <td className="vuln-reason">
                      <span className="muted">{a.advisory_id}:</span> {a.reason}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="drawer-section" aria-labelledby="vuln-records">
            <div className="drawer-section-head">
              <h3 id="vuln-records">Advisories</h3>
            </div>
            {d.data.records.map((r) => (
              <article key={r.id} className="vuln-record" aria-label={r.id}>
                <h4>{r.id}</h4>
                {r.summary ? <p>{r.summary}</p> : null}
                {r.details && r.details !== r.summary ? <p className="vuln-details">{r.details}</p> : null}
                <p className="muted">
                  {r.published ? (
                    <>
                      Published <Time value={r.published} />.{" "}
                    </>
                  ) : null}
                  {r.modified ? (
                    <>
                      Modified <Time value={r.modified} />.
                    </>
                  ) : null}
                </p>
                {r.packages.map((p) => (
                  <p key={`${p.ecosystem}/${p.name}`} className="muted">
                    {p.ecosystem} {p.name}: {p.severity_source}
                  </p>
                ))}
                {r.references.length > 0 ? (
                  <ul className="vuln-refs">
                    {r.references.slice(0, 10).map((ref) => (
                      <li key={ref.url}>
                        <a href={ref.url} target="_blank" rel="noreferrer noopener">
                          {ref.url}
                        </a>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </article>
            ))}
          </section>
        </>
      ) : null}
    </Drawer>
  );
}

type Phase = { kind: "choose" } | { kind: "uploading" } | { kind: "done"; result: ImportResult } | { kind: "failed"; error: unknown; result?: ImportResult | undefined };

function ImportDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [files, setFiles] = useState<File[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: "choose" });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (files.length === 0) return;
    const ctl = new AbortController();
    abort.current = ctl;
    setPhase({ kind: "uploading" });
    try {
      const result = await importOSV(files, ctl.signal);
      setPhase({ kind: "done", result });
      void queryClient.invalidateQueries({ queryKey: vulnKeys.all });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") {
        setPhase({ kind: "choose" });
        return;
      }
      setPhase({ kind: "failed", error: err, result: err instanceof ImportRefused ? err.result : undefined });
    } finally {
      abort.current = null;
    }
  }

  return (
    <Dialog title="Import OSV data" onClose={onClose} wide>
      {phase.kind === "done" ? (
        <>
          <div className="dialog-body">
            <ImportReportView result={phase.result} />
          </div>
          <div className="dialog-actions">
            <button
              type="button"
              className="btn"
              onClick={() => {
                setFiles([]);
                setPhase({ kind: "choose" });
              }}
            >
              Import more
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
              <label htmlFor={`${id}-file`}>OSV files</label>
              <input
                id={`${id}-file`}
                type="file"
                multiple
                accept=".json,.zip,application/json,application/zip"
                aria-describedby={`${id}-hint`}
                disabled={phase.kind === "uploading"}
                onChange={(e) => {
                  setFiles(Array.from(e.target.files ?? []));
                  setPhase({ kind: "choose" });
                }}
              />
              <div className="field-hint" id={`${id}-hint`}>
                OSV records as <code>.json</code> (one record or an array), or the <code>all.zip</code> archives osv.dev publishes per ecosystem. A record
                already imported is replaced by a newer copy; withdrawn records are removed. Every endpoint is matched again after the import.
              </div>
            </div>
            {phase.kind === "uploading" ? (
              <p role="status" className="muted">
                Uploading and importing {files.length === 1 ? files[0]?.name : `${files.length} files`}…
              </p>
            ) : null}
            {phase.kind === "failed" ? (
              <>
                <ErrorMessage error={phase.error} />
                {phase.result ? <ImportReportView result={phase.result} /> : null}
              </>
            ) : null}
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
            <button type="submit" className="btn btn-primary" disabled={files.length === 0 || phase.kind === "uploading"}>
              {phase.kind === "uploading" ? "Importing…" : "Import"}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** The server's report, one block per file, every figure real. */
export function ImportReportView({ result }: { result: ImportResult }) {
  return (
    <section aria-label="Import report" className="vuln-report">
      {result.files.map((f) => (
        <article key={f.name} aria-label={`Report for ${f.name}`} className="vuln-report-file">
          <h3>{f.name}</h3>
          {f.error ? (
            <p className="alert alert-error" role="alert">
              {f.error}
            </p>
          ) : null}
          <p>
            {f.records.toLocaleString()} records read: {f.added.toLocaleString()} new, {f.updated.toLocaleString()} updated, {f.unchanged.toLocaleString()} unchanged,{" "}
            {f.older.toLocaleString()} older than the stored copy, {f.withdrawn.toLocaleString()} withdrawn ({f.removed.toLocaleString()} removed)
            {f.skipped > 0 ? `, ${f.skipped.toLocaleString()} non-JSON entries skipped` : ""}. <span className="muted">{f.duration_ms.toLocaleString()} ms</span>
          </p>
          {f.errors.length > 0 ? (
            <details open>
              <summary>
                {(f.errors.length + f.errors_dropped).toLocaleString()} error{f.errors.length + f.errors_dropped === 1 ? "" : "s"}
              </summary>
              <ul className="vuln-report-list">
                {f.errors.map((e, i) => (
                  <li key={i}>
                    <code>{e.message}</code>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {f.warnings.length > 0 ? (
            <details>
              <summary>
                {(f.warnings.length + f.warnings_dropped).toLocaleString()} warning{f.warnings.length + f.warnings_dropped === 1 ? "" : "s"}
              </summary>
              <ul className="vuln-report-list">
                {f.warnings.slice(0, 200).map((e, i) => (
                  <li key={i}>
                    <code>{e.message}</code>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </article>
      ))}
      <p>
        The database now holds <strong>{result.database.advisories.toLocaleString()}</strong> advisories.
      </p>
    </section>
  );
}
