// Compliance: the configuration assessments (SCA) agents run, across the
// fleet: the average score, the score of each endpoint with its worst
// failing checks, and the checks that fail most often with how to fix
// them. Every figure comes from the agents' latest reports.

import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { useSCAChecks, useSCAOverview, type SCACheckRow } from "./api";
import "./compliance.css";

export function CompliancePage() {
  useDocumentTitle("Compliance");
  const me = useCurrentUser();
  if (!hasPermission(me, "endpoints:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Compliance</h1>
        </header>
        <AccessDenied area="Compliance" role={me.role} />
      </section>
    );
  }
  return <ComplianceOverview />;
}

function scoreClass(score: number): string {
  if (score >= 80) return "sca-score sca-good";
  if (score >= 50) return "sca-score sca-fair";
  return "sca-score sca-poor";
}

function Score({ value }: { value: number | null }) {
  if (value === null) return <span className="muted">not assessed</span>;
  return <span className={scoreClass(value)}>{value.toFixed(0)} %</span>;
}

function sevBand(sev: string): string {
  const s = sev.toLowerCase();
  return s === "critical" || s === "high" || s === "medium" || s === "low" ? s : "info";
}

function ComplianceOverview() {
  const [params, setParams] = useSearchParams();
  const policy = params.get("policy") ?? "";
  const overview = useSCAOverview(policy);
  const checks = useSCAChecks(policy);
  const o = overview.data;

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <h1 id="page-title">Compliance</h1>
        {o && o.policies.length > 0 ? (
          <label className="field sca-policy">
            <span>Policy</span>
            <select
              value={policy}
              onChange={(e) =>
                setParams((prev) => {
                  const next = new URLSearchParams(prev);
                  if (e.target.value) next.set("policy", e.target.value);
                  else next.delete("policy");
                  return next;
                })
              }
            >
              <option value="">All policies</option>
              {o.policies.map((p) => (
                <option key={p.policy_id} value={p.policy_id}>
                  {p.policy_name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </header>
      {overview.isError ? <ErrorMessage error={overview.error} /> : null}
      {o ? (
        <div className="kpi-row sca-kpis">
          <section className="card kpi" aria-label="Average score">
            <span className="kpi-label">Average score</span>
            <span className="kpi-value">{o.summary.average_score === null ? "—" : `${o.summary.average_score.toFixed(0)} %`}</span>
            <span className="kpi-note muted">checks passed, over the assessed endpoints</span>
          </section>
          <section className="card kpi" aria-label="Assessed endpoints">
            <span className="kpi-label">Assessed endpoints</span>
            <span className="kpi-value">{o.summary.assessed.toLocaleString()}</span>
            <span className="kpi-note muted">of {o.summary.endpoints.toLocaleString()} active</span>
          </section>
          <section className={o.summary.failed_checks > 0 ? "card kpi kpi-alarm" : "card kpi"} aria-label="Failed checks">
            <span className="kpi-label">Failed checks</span>
            <span className="kpi-value">{o.summary.failed_checks.toLocaleString()}</span>
            <span className="kpi-note muted">across all endpoints and policies</span>
          </section>
        </div>
      ) : overview.isPending ? (
        <p role="status">Loading assessments…</p>
      ) : null}
      {o && o.summary.assessed === 0 ? (
        <div className="card sca-empty" role="status">
          <h2>No assessment yet</h2>
          <p>
            Agents run the configuration policies set under <Link to="/endpoints">Endpoints</Link> (agent settings, SCA policies) and report here; the
            built-in Debian/Ubuntu baseline runs by default. Enrolled endpoints appear once their first assessment arrives.
          </p>
        </div>
      ) : null}

      <section className="card" aria-labelledby="sca-checks-title">
        <div className="card-head">
          <h2 id="sca-checks-title">Failing checks across the fleet</h2>
          {checks.data ? <span className="muted card-head-note">most failed first</span> : null}
        </div>
        {checks.isError ? <ErrorMessage error={checks.error} /> : null}
        <table className="table" aria-label="Failing checks">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Severity</th>
              <th scope="col">Failing</th>
              <th scope="col">Remediation</th>
            </tr>
          </thead>
          <tbody>
            {checks.data && checks.data.items.length === 0 ? (
              <tr>
                <td colSpan={4} className="table-empty">
                  No check fails on any endpoint.
                </td>
              </tr>
            ) : (
              checks.data?.items.map((c) => <CheckRow key={`${c.policy_id}/${c.check_id}`} check={c} />)
            )}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="sca-endpoints-title">
        <div className="card-head">
          <h2 id="sca-endpoints-title">Endpoints</h2>
          <span className="muted card-head-note">lowest score first</span>
        </div>
        <table className="table" aria-label="Endpoint scores">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Score</th>
              <th scope="col">Policies</th>
              <th scope="col">Worst failing checks</th>
            </tr>
          </thead>
          <tbody>
            {o?.endpoints.length === 0 ? (
              <tr>
                <td colSpan={4} className="table-empty">
                  No endpoint is enrolled yet.
                </td>
              </tr>
            ) : (
              o?.endpoints.map((e) => (
                <tr key={e.endpoint_id}>
                  <td>
                    <Link to={`/endpoints/${e.endpoint_id}`}>{e.name}</Link>
                    <div className="muted">
                      {e.platform} {e.platform_version}
                    </div>
                  </td>
                  <td>
                    <Score value={e.score} />
                    {e.failed > 0 ? <div className="muted">{e.failed} failed</div> : null}
                  </td>
                  <td>
                    {e.policies.map((p) => (
                      <div key={p.policy_id}>
                        {p.policy_name}: <Score value={p.score} />{" "}
                        <span className="muted">
                          (<Time value={p.finished_at} />)
                        </span>
                      </div>
                    ))}
                  </td>
                  <td>
                    <ul className="sca-worst">
                      {e.policies.flatMap((p) =>
                        p.worst_failing.map((c) => (
                          <li key={`${p.policy_id}/${c.id}`}>
                            <span className={`sev sev-${sevBand(c.severity)}`}>
                              <span className="sev-mark" aria-hidden="true" />
                              {c.severity || "unrated"}
                            </span>{" "}
                            {c.title}
                          </li>
                        )),
                      )}
                    </ul>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </section>
    </section>
  );
}

function CheckRow({ check }: { check: SCACheckRow }) {
  const [open, setOpen] = useState(false);
  const frameworks = Object.entries(check.compliance);
  return (
    <tr>
      <td>
        <strong>{check.title}</strong>
        <div className="muted">
          {check.policy_name} · {check.check_id}
        </div>
        {frameworks.length > 0 ? <div className="muted sca-frameworks">{frameworks.map(([k, v]) => `${k} ${v}`).join(" · ")}</div> : null}
      </td>
      <td>
        <span className={`sev sev-${sevBand(check.severity)}`}>
          <span className="sev-mark" aria-hidden="true" />
          {check.severity || "unrated"}
        </span>
      </td>
      <td>
        <button type="button" className="btn-link sca-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {check.failing} of {check.assessed}
        </button>
        {open ? (
          <ul className="sca-failing" aria-label={`Endpoints failing ${check.title}`}>
            {check.failing_endpoints.map((e) => (
              <li key={e.id}>
                <Link to={`/endpoints/${e.id}`}>{e.name}</Link>
              </li>
            ))}
            {check.failing > check.failing_endpoints.length ? <li className="muted">and {check.failing - check.failing_endpoints.length} more</li> : null}
          </ul>
        ) : null}
      </td>
      <td className="sca-remediation">{check.remediation || <span className="muted">—</span>}</td>
    </tr>
  );
}
