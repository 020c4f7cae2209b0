// One submission: live progress while it runs, then the report: verdict,
// score and every reason, hashes and type, the entropy chart, searchable
// strings, the format sections, the children tree, YARA matches, the
// extracted indicators ("add to intel"), hosts where it was seen, and the
// external services' verdicts.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { eventsLink } from "../events/searchState";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import {
  formatBytes,
  intelAccepts,
  sandboxApi,
  sandboxKeys,
  useSandboxInfo,
  useSeen,
  useSubmission,
  type ExternalVerdict,
  type Report,
  type ReportIndicator,
  type Submission,
} from "./sandboxApi";

export function VerdictBadge({ verdict }: { verdict: string | undefined }) {
  if (!verdict) return <span className="muted">—</span>;
  return <span className={`verdict verdict-${verdict}`}>{verdict}</span>;
}

export function ReportView({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const sub = useSubmission(id);
  if (sub.isError) return <ErrorMessage error={sub.error} />;
  if (!sub.data) return <p role="status">Loading the submission…</p>;
  return <SubmissionView sub={sub.data} onDeleted={onDeleted} />;
}

function SubmissionView({ sub, onDeleted }: { sub: Submission; onDeleted: () => void }) {
  const me = useCurrentUser();
  const writable = hasPermission(me, "sandbox:write");
  const client = useQueryClient();
  const info = useSandboxInfo();
  const reanalyze = useMutation({
    mutationFn: () => sandboxApi.reanalyze(sub.id),
    onSuccess: (s) => client.setQueryData(sandboxKeys.one(sub.id), (old: Submission | undefined) => ({ ...(old ?? s), ...s, report: old?.report })),
  });
  const remove = useMutation({
    mutationFn: () => sandboxApi.remove(sub.id),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: sandboxKeys.all });
      onDeleted();
    },
  });
  const running = sub.status === "queued" || sub.status === "running";
  const rep = sub.report;
  return (
    <section className="sandbox-report" aria-label={`Report of ${sub.target}`}>
      <header className="sandbox-report-head">
        <div>
          <h2>
            <span className="muted">{sub.kind}</span> <code className="sandbox-target">{sub.target}</code>
          </h2>
          <div className="muted">
            Submitted <Time value={sub.created_at} /> · {sub.source}
            {sub.size ? ` · ${formatBytes(sub.size)}` : ""}
          </div>
        </div>
        <div className="page-actions">
          {writable && sub.kind === "file" ? (
            <a className="btn" href={sandboxApi.downloadURL(sub.id)} download title={`A ZIP encrypted with the password "${info.data?.zip_password ?? "infected"}"`}>
              Download sample (ZIP, password “{info.data?.zip_password ?? "infected"}”)
            </a>
          ) : null}
          {writable ? (
            <button type="button" className="btn" disabled={running || reanalyze.isPending} onClick={() => reanalyze.mutate()}>
              Analyse again
            </button>
          ) : null}
          {writable ? (
            <button
              type="button"
              className="btn btn-danger-ghost"
              onClick={() => {
                if (window.confirm(`Delete the submission of ${sub.target}?`)) remove.mutate();
              }}
            >
              Delete
            </button>
          ) : null}
        </div>
      </header>
      {reanalyze.isError ? <ErrorMessage error={reanalyze.error} /> : null}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
      {running ? (
        <div className="sandbox-progress">
          <label htmlFor={`progress-${sub.id}`}>
            {sub.status === "queued" ? "Queued" : `Analysing: ${sub.stage}`} ({sub.progress}%)
          </label>
          <progress id={`progress-${sub.id}`} max={100} value={sub.progress} aria-label="Analysis progress" />
        </div>
      ) : null}
      {sub.status === "failed" ? (
        <div className="alert alert-error" role="alert">
          The analysis failed: {sub.error}
        </div>
      ) : null}
      {rep ? <ReportBody sub={sub} rep={rep} writable={hasPermission(me, "intel:write")} /> : null}
    </section>
  );
}

function ReportBody({ sub, rep, writable }: { sub: Submission; rep: Report; writable: boolean }) {
  return (
    <>
      <div className="sandbox-verdict card" aria-label="Verdict">
        <div>
          <div className="kpi-label">Verdict</div>
          <VerdictBadge verdict={rep.verdict} />
        </div>
        <div>
          <div className="kpi-label">Score</div>
          <div className="kpi-value" aria-label="Score">
            {rep.score}
            <span className="muted">/100</span>
          </div>
        </div>
        {rep.type ? (
          <div>
            <div className="kpi-label">Type</div>
            <div>
              {rep.type.description} <span className="muted">({rep.type.mime})</span>
              {rep.extension_mismatch ? <div className="sandbox-warn">The extension does not match the content</div> : null}
            </div>
          </div>
        ) : null}
        {rep.entropy !== undefined ? (
          <div>
            <div className="kpi-label">Entropy</div>
            <div>{rep.entropy.toFixed(3)} bits/byte</div>
          </div>
        ) : null}
        {rep.incomplete ? <div className="sandbox-warn">The analysis was cut short by a limit: the report is partial.</div> : null}
      </div>
      <Reasons reasons={rep.reasons} />
      {sub.external && sub.external.length > 0 ? <External verdicts={sub.external} /> : null}
      {rep.hashes ? <Hashes hashes={rep.hashes} /> : null}
      {rep.entropy_chunks && rep.entropy_chunks.length > 0 ? <EntropyChart chunks={rep.entropy_chunks} /> : null}
      <Indicators indicators={rep.indicators} target={sub.target} writable={writable} />
      {sub.kind === "file" || sub.kind === "hash" || sub.kind === "ip" || sub.kind === "domain" ? <SeenOn id={sub.id} /> : null}
      {rep.yara ? <Yara yara={rep.yara} /> : null}
      {rep.strings ? <Strings strings={rep.strings} /> : null}
      <Sections rep={rep} />
      {rep.children && rep.children.length > 0 ? (
        <details className="sandbox-section" open>
          <summary>
            <h3>Contents ({rep.children.length})</h3>
          </summary>
          <ChildrenTree items={rep.children} />
        </details>
      ) : null}
      {rep.errors && rep.errors.length > 0 ? (
        <details className="sandbox-section">
          <summary>
            <h3>Analyser notes ({rep.errors.length})</h3>
          </summary>
          <ul>
            {rep.errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function Reasons({ reasons }: { reasons: Report["reasons"] }) {
  return (
    <section className="sandbox-section">
      <h3>Why this score ({reasons.length})</h3>
      {reasons.length === 0 ? (
        <p className="muted">No static signal: clean means nothing was found, not that the sample is proven safe.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Weight</th>
                <th scope="col">Observation</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {reasons.map((r, i) => (
                <tr key={`${r.code}-${i}`}>
                  <td className={r.weight > 0 ? "weight-plus" : "muted"}>{r.weight > 0 ? `+${r.weight}` : r.weight}</td>
                  <td>
                    {r.message} <span className="muted">({r.code})</span>
                  </td>
                  <td className="sandbox-evidence">{r.evidence ? <code>{r.evidence}</code> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function External({ verdicts }: { verdicts: ExternalVerdict[] }) {
  return (
    <section className="sandbox-section">
      <h3>External services</h3>
      <ul className="sandbox-external">
        {verdicts.map((v) => (
          <li key={v.source}>
            <strong>{v.source}</strong>: <span className={`ext-status ext-${v.status}`}>{v.status}</span>{" "}
            {v.error ? <span className="muted">{v.error}</span> : <span>{v.summary}</span>}
            {v.link ? (
              <>
                {" "}
                <a href={v.link} target="_blank" rel="noreferrer noopener">
                  open
                </a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Hashes({ hashes }: { hashes: NonNullable<Report["hashes"]> }) {
  const rows = (["md5", "sha1", "sha256", "sha512", "tlsh", "ssdeep"] as const).filter((k) => hashes[k]);
  return (
    <section className="sandbox-section">
      <h3>Hashes</h3>
      <dl className="sandbox-dl">
        {rows.map((k) => (
          <div key={k}>
            <dt>{k.toUpperCase()}</dt>
            <dd>
              <code>{hashes[k]}</code>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** Entropy per window of the file, 0-8 bits per byte: packed or encrypted regions stand out. */
export function EntropyChart({ chunks }: { chunks: NonNullable<Report["entropy_chunks"]> }) {
  const w = 600;
  const h = 120;
  const bw = w / chunks.length;
  return (
    <section className="sandbox-section">
      <h3>Entropy</h3>
      <svg className="entropy-chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`Entropy of ${chunks.length} windows of the file, 0 to 8 bits per byte`}>
        <line x1={0} x2={w} y1={h - (7.2 / 8) * h} y2={h - (7.2 / 8) * h} className="entropy-threshold" />
        {chunks.map((c, i) => {
          const bh = Math.max(1, (c.entropy / 8) * h);
          return (
            <rect key={i} x={i * bw + 0.5} y={h - bh} width={Math.max(1, bw - 1)} height={bh} className={c.entropy >= 7.2 ? "entropy-high" : "entropy-bar"}>
              <title>{`offset ${c.offset}: ${c.entropy.toFixed(2)}`}</title>
            </rect>
          );
        })}
      </svg>
      <p className="muted">The dashed line is 7.2 bits per byte: above it data is usually compressed or encrypted.</p>
    </section>
  );
}

function Indicators({ indicators, target, writable }: { indicators: ReportIndicator[]; target: string; writable: boolean }) {
  const [added, setAdded] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: (ind: ReportIndicator) => sandboxApi.addIndicator(ind, target),
    onSuccess: (_, ind) => setAdded((a) => ({ ...a, [`${ind.type}|${ind.value}`]: "Added to intel" })),
    onError: (err, ind) => setAdded((a) => ({ ...a, [`${ind.type}|${ind.value}`]: errorText(err) })),
  });
  return (
    <section className="sandbox-section">
      <h3>Indicators ({indicators.length})</h3>
      {indicators.length === 0 ? (
        <p className="muted">No indicators were extracted.</p>
      ) : (
        <div className="table-wrap sandbox-scroll">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Value</th>
                <th scope="col">Found in</th>
                {writable ? <th scope="col">Intel</th> : null}
              </tr>
            </thead>
            <tbody>
              {indicators.map((ind) => {
                const key = `${ind.type}|${ind.value}`;
                return (
                  <tr key={key}>
                    <td>{ind.type}</td>
                    <td className="sandbox-evidence">
                      <code>{ind.value}</code>
                    </td>
                    <td className="muted">{ind.source}</td>
                    {writable ? (
                      <td>
                        {added[key] ? (
                          <span role="status">{added[key]}</span>
                        ) : intelAccepts(ind.type) ? (
                          <button type="button" className="btn btn-small" aria-label={`Add ${ind.value} to intel`} onClick={() => add.mutate(ind)}>
                            Add to intel
                          </button>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SeenOn({ id }: { id: string }) {
  const [open, setOpen] = useState(true);
  const seen = useSeen(id, open);
  return (
    <details className="sandbox-section" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        <h3>Seen on endpoints</h3>
      </summary>
      {seen.isError ? <ErrorMessage error={seen.error} /> : null}
      {seen.data ? (
        seen.data.hosts.length === 0 ? (
          <p className="muted">Not seen in this organisation's events.</p>
        ) : (
          <>
            <table className="table table-compact">
              <thead>
                <tr>
                  <th scope="col">Host</th>
                  <th scope="col">Events</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Fields</th>
                </tr>
              </thead>
              <tbody>
                {seen.data.hosts.map((h) => (
                  <tr key={h.host}>
                    <td>{h.host}</td>
                    <td>{h.events}</td>
                    <td>
                      <Time value={h.first_seen} />
                    </td>
                    <td>
                      <Time value={h.last_seen} />
                    </td>
                    <td className="muted">{h.fields.join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted">
              {seen.data.total.toLocaleString()} matching events (searched: {seen.data.sources.join(", ")}).{" "}
              <Link to={seenEventsLink(seen.data.query, seen.data.hosts)}>Open in Events</Link>
            </p>
          </>
        )
      ) : seen.isLoading ? (
        <p role="status">Searching events…</p>
      ) : null}
    </details>
  );
}

function Yara({ yara }: { yara: NonNullable<Report["yara"]> }) {
  return (
    <section className="sandbox-section">
      <h3>YARA</h3>
      {!yara.enabled ? <p className="muted">{yara.message ?? "YARA disabled: built without the yara tag"}</p> : null}
      {yara.error ? (
        <div className="alert alert-error" role="alert">
          {yara.error}
        </div>
      ) : null}
      {yara.enabled && !yara.error && (yara.matches ?? []).length === 0 ? <p className="muted">No rule matched.</p> : null}
      {(yara.matches ?? []).map((m) => (
        <div key={`${m.namespace ?? ""}:${m.rule}`} className="yara-match">
          <strong>{m.rule}</strong>
          {m.tags && m.tags.length > 0 ? <span className="muted"> [{m.tags.join(", ")}]</span> : null}
          {m.strings && m.strings.length > 0 ? (
            <ul>
              {m.strings.map((s, i) => (
                <li key={i}>
                  <code>{s.name}</code> at {s.offset}: <code>{s.data}</code>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ))}
    </section>
  );
}

function Strings({ strings }: { strings: NonNullable<Report["strings"]> }) {
  const [q, setQ] = useState("");
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return needle ? strings.sample.filter((s) => s.value.toLowerCase().includes(needle)) : strings.sample;
  }, [q, strings.sample]);
  return (
    <details className="sandbox-section">
      <summary>
        <h3>
          Strings ({strings.count.toLocaleString()}
          {strings.truncated ? "+" : ""})
        </h3>
      </summary>
      <label className="sandbox-search">
        Search strings
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <p className="muted">
        {shown.length} of the {strings.sample.length} strings kept in the report
      </p>
      <ol className="sandbox-strings">
        {shown.map((s, i) => (
          <li key={i}>
            <span className="muted">{s.offset ?? ""}</span> <code>{s.value}</code>
            {s.encoding && s.encoding !== "ascii" ? <span className="muted"> ({s.encoding})</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}

const SECTIONS = [
  ["pe", "PE (Windows executable)"],
  ["elf", "ELF (Linux executable)"],
  ["macho", "Mach-O (macOS executable)"],
  ["office", "Office document"],
  ["pdf", "PDF"],
  ["archive", "Archive"],
  ["script", "Script"],
  ["url", "URL / domain / IP"],
] as const;

function Sections({ rep }: { rep: Report }) {
  return (
    <>
      {SECTIONS.map(([key, title]) => {
        const sec = rep[key];
        if (!sec) return null;
        return (
          <details key={key} className="sandbox-section" open={key !== "archive"}>
            <summary>
              <h3>{title}</h3>
            </summary>
            <Value value={sec} depth={0} />
          </details>
        );
      })}
    </>
  );
}

/** Renders a format section as nested definition lists: every field the analyser reported, nothing invented. */
function Value({ value, depth }: { value: unknown; depth: number }) {
  if (value === null || value === undefined || value === "") return <span className="muted">—</span>;
  if (typeof value === "boolean") return <span>{value ? "yes" : "no"}</span>;
  if (typeof value === "number") return <span>{Number.isInteger(value) ? value.toLocaleString() : value.toFixed(3)}</span>;
  if (typeof value === "string") return <code className="sandbox-value">{value}</code>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every((v) => typeof v !== "object" || v === null)) {
      return <span className="sandbox-list">{value.map((v, i) => <code key={i}>{String(v)}</code>)}</span>;
    }
    return (
      <ol className="sandbox-nested">
        {value.slice(0, 200).map((v, i) => (
          <li key={i}>
            <Value value={v} depth={depth + 1} />
          </li>
        ))}
        {value.length > 200 ? <li className="muted">… {value.length - 200} more</li> : null}
      </ol>
    );
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      <dl className={depth === 0 ? "sandbox-dl" : "sandbox-dl sandbox-nested"}>
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>{k.replaceAll("_", " ")}</dt>
            <dd>
              <Value value={v} depth={depth + 1} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span>{String(value)}</span>;
}

/** Archive members and embedded objects, each with its own verdict; a click shows its reasons. */
function ChildrenTree({ items }: { items: Report[] }) {
  return (
    <ul className="sandbox-tree" role="tree">
      {items.map((c, i) => (
        <li key={`${c.path ?? c.target}-${i}`} role="treeitem" aria-expanded={c.children && c.children.length > 0 ? true : undefined}>
          <details>
            <summary>
              <VerdictBadge verdict={c.verdict} /> <code>{c.path || c.target}</code> <span className="muted">
                {c.type?.description ?? ""} {c.size !== undefined ? `· ${formatBytes(c.size)}` : ""} · score {c.score}
              </span>
            </summary>
            {c.reasons.length > 0 ? (
              <ul>
                {c.reasons.map((r, j) => (
                  <li key={j}>
                    +{r.weight} {r.message}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No static signal.</p>
            )}
          </details>
          {c.children && c.children.length > 0 ? <ChildrenTree items={c.children} /> : null}
        </li>
      ))}
    </ul>
  );
}

/** The Events search of a sample's sightings, over the span they were seen in (an hour either side). */
export function seenEventsLink(query: string, hosts: ReadonlyArray<{ first_seen: string; last_seen: string }>): string {
  const firsts = hosts.map((h) => new Date(h.first_seen).getTime()).filter((t) => !Number.isNaN(t));
  const lasts = hosts.map((h) => new Date(h.last_seen).getTime()).filter((t) => !Number.isNaN(t));
  if (firsts.length === 0 || lasts.length === 0) return eventsLink(query, { kind: "preset", preset: "30d" });
  const hour = 3600_000;
  return eventsLink(query, { kind: "absolute", from: new Date(Math.min(...firsts) - hour).toISOString(), to: new Date(Math.max(...lasts) + hour).toISOString() });
}
