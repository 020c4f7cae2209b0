// One message's verdict report: the verdict with every reason, who sent it
// and how (originator fields, SPF/DKIM/DMARC, the Received chain), its links
// and attachments with their analyses, and all headers.

import type { ReactNode } from "react";
import { Time } from "../ui/time";
import { rawURL, VERDICT_LABELS, type Address, type EmailAnalysis, type Reason, type Verdict } from "./emailApi";

export function VerdictBadge({ verdict, score }: { verdict: Verdict; score?: number }) {
  return (
    <span className={`verdict verdict-${verdict}`}>
      {VERDICT_LABELS[verdict] ?? verdict}
      {score !== undefined ? <span className="verdict-score"> {score}</span> : null}
    </span>
  );
}

function addr(a: Address | undefined): string {
  if (!a) return "—";
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

function Reasons({ reasons, label }: { reasons: Reason[]; label: string }) {
  if (reasons.length === 0) return <p className="muted">Nothing suspicious was found.</p>;
  return (
    <table className="table email-reasons" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Weight</th>
          <th scope="col">Reason</th>
          <th scope="col">Evidence</th>
        </tr>
      </thead>
      <tbody>
        {reasons.map((r, i) => (
          <tr key={`${r.code}-${i}`}>
            <td className="num">{r.weight > 0 ? `+${r.weight}` : r.weight}</td>
            <td>
              {r.message}
              <div className="muted email-code">{r.code}</div>
            </td>
            <td className="email-evidence">{r.evidence ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function authClass(result: string): string {
  if (result === "pass") return "auth-pass";
  if (result === "fail" || result === "softfail" || result === "permerror") return "auth-fail";
  return "auth-none";
}

function delay(s: number | null | undefined): string {
  if (s === null || s === undefined) return "—";
  if (Math.abs(s) < 120) return `${Math.round(s)} s`;
  if (Math.abs(s) < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function ReportView({ analysis }: { analysis: EmailAnalysis }) {
  const r = analysis.report;
  const m = r.message;
  return (
    <div className="email-report" aria-label="Verdict report">
      <section className={`card email-verdict email-verdict-${r.verdict}`} aria-label="Verdict">
        <div className="email-verdict-head">
          <VerdictBadge verdict={r.verdict} />
          <span className="email-score" aria-label="Score">
            Score {r.score} / 100
          </span>
          {analysis.quarantine_id ? (
            <span className="pill pill-warn">
              Quarantined · <a href={rawURL(analysis.quarantine_id)}>download .eml</a>
            </span>
          ) : null}
        </div>
        <h2 className="email-subject">{m.subject || "(no subject)"}</h2>
        <Reasons reasons={r.reasons} label="Reasons" />
      </section>

      <Section title="Sender and delivery">
        <dl className="email-facts">
          <dt>From</dt>
          <dd>{addr(m.from)}</dd>
          {m.sender ? (
            <>
              <dt>Sender</dt>
              <dd>{addr(m.sender)}</dd>
            </>
          ) : null}
          <dt>Reply-To</dt>
          <dd>{m.reply_to?.length ? m.reply_to.map(addr).join(", ") : "—"}</dd>
          <dt>Return-Path</dt>
          <dd>{m.return_path || "—"}</dd>
          <dt>To</dt>
          <dd>{m.to?.length ? m.to.map(addr).join(", ") : "—"}</dd>
          <dt>Date</dt>
          <dd>
            {m.date ? <Time value={m.date} /> : m.date_raw || "—"}
            {r.date_skew_seconds !== undefined ? <span className="muted"> (skew {delay(r.date_skew_seconds)})</span> : null}
          </dd>
          <dt>Message-ID</dt>
          <dd className="email-mono">{m.message_id || "—"}</dd>
          {r.sender_lookalike?.length ? (
            <>
              <dt>Lookalike of</dt>
              <dd>{r.sender_lookalike.map((t) => `${t.brand} (${t.technique.replace(/_/g, " ")})`).join(", ")}</dd>
            </>
          ) : null}
        </dl>
      </Section>

      <Section title="Authentication">
        <ul className="email-auth" aria-label="Authentication results">
          {(["spf", "dkim", "dmarc"] as const).map((k) => (
            <li key={k} className={authClass(m.auth[k])}>
              <strong>{k.toUpperCase()}</strong> {m.auth[k] || "none"}
            </li>
          ))}
        </ul>
        {m.auth.headers.map((h, i) => (
          <div key={i} className="email-authres">
            <div className="muted">
              {i === 0 ? "Authentication-Results (believed)" : "Authentication-Results (below the receiving server; not believed)"} by{" "}
              {h.authserv_id}
            </div>
            <ul>
              {h.results.map((x, j) => (
                <li key={j}>
                  <span className={authClass(x.result)}>
                    {x.method}={x.result}
                  </span>{" "}
                  {Object.entries(x.props ?? {})
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" ")}
                  {x.reason ? <span className="muted"> — {x.reason}</span> : null}
                </li>
              ))}
            </ul>
          </div>
        ))}
        {m.auth.received_spf ? <p className="email-mono">Received-SPF: {m.auth.received_spf.raw}</p> : null}
      </Section>

      <Section title="Received chain">
        <div className="table-wrap">
          <table className="table" aria-label="Received chain">
            <thead>
              <tr>
                <th scope="col">Hop</th>
                <th scope="col">From</th>
                <th scope="col">IP</th>
                <th scope="col">By</th>
                <th scope="col">With</th>
                <th scope="col">Time</th>
                <th scope="col">Delay</th>
              </tr>
            </thead>
            <tbody>
              {m.received.map((h) => (
                <tr key={h.index}>
                  <td className="num">{h.index}</td>
                  <td>
                    {h.from || "—"}
                    {h.from_host && h.from_host !== h.from ? <div className="muted">{h.from_host}</div> : null}
                  </td>
                  <td>
                    {h.from_ip || "—"} {h.ip_class ? <span className={`tag ip-${h.ip_class}`}>{h.ip_class}</span> : null}
                  </td>
                  <td>{h.by || "—"}</td>
                  <td>{h.with || "—"}</td>
                  <td>{h.time ? <Time value={h.time} /> : "—"}</td>
                  <td>{delay(h.delay_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {m.received.length === 0 ? <p className="empty">No Received header.</p> : null}
      </Section>

      <Section title="Links">
        {r.urls.length === 0 ? (
          <p className="empty">No link.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Links">
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Shown as</th>
                  <th scope="col">Where</th>
                  <th scope="col">Analysis</th>
                </tr>
              </thead>
              <tbody>
                {r.urls.map((u, i) => (
                  <tr key={i} className={u.mismatch ? "email-mismatch" : undefined}>
                    <td className="email-url">{u.url}</td>
                    <td>
                      {u.text || "—"}
                      {u.mismatch ? <div className="field-error">Shows {u.text_host}, goes to {u.host}</div> : null}
                    </td>
                    <td>{u.source}</td>
                    <td>
                      <VerdictBadge verdict={u.verdict} score={u.score} />
                      {u.reasons.length > 0 ? (
                        <ul className="email-mini">
                          {u.reasons.map((x, j) => (
                            <li key={j}>{x.message}</li>
                          ))}
                        </ul>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <Section title="Attachments">
        {r.attachments.length === 0 ? (
          <p className="empty">No attachment.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Attachments">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Declared / real type</th>
                  <th scope="col">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Analysis</th>
                </tr>
              </thead>
              <tbody>
                {r.attachments.map((a) => (
                  <tr key={a.part}>
                    <td>{a.filename || `part ${a.part}`}</td>
                    <td>
                      {a.content_type}
                      <div className="muted">{a.sniffed_type}</div>
                    </td>
                    <td className="num">{a.size.toLocaleString()} B</td>
                    <td className="email-mono email-hash">{a.sha256}</td>
                    <td>
                      <VerdictBadge verdict={a.verdict} score={a.score} />
                      <ul className="email-mini">
                        {a.reasons.map((x, j) => (
                          <li key={j}>{x.message}</li>
                        ))}
                        {a.sandbox ? <li>Sandbox: {a.sandbox.error ? a.sandbox.error : `${a.sandbox.verdict} (${a.sandbox.score})`}</li> : null}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      {r.intel.length > 0 ? (
        <Section title="Threat intel matches">
          <ul>
            {r.intel.map((h, i) => (
              <li key={i}>
                {h.value} — {h.type} ({h.severity}) {h.source ? <span className="muted">from {h.source}</span> : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <section className="card" aria-label="Headers">
        <details>
          <summary>All headers ({m.headers.length})</summary>
          <table className="table email-headers">
            <tbody>
              {m.headers.map((h, i) => (
                <tr key={i}>
                  <th scope="row">{h.name}</th>
                  <td className="email-mono">{h.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
        {m.problems?.length ? (
          <div className="alert alert-warning">
            <strong>The message is malformed:</strong>
            <ul>
              {m.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
    </div>
  );
}
