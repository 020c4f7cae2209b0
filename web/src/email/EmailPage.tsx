// The E-mail analysis page: upload an .eml and read its verdict report;
// the analysed messages; the quarantine (release, delete, download); and the
// mailboxes polled for new messages with the org's protection settings.
// The tab and the open report are in the URL (?tab=, ?report=).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { analyzeEmail, useEmailReport, useEmailReports, VERDICT_LABELS, type Verdict } from "./emailApi";
import { MailboxesTab } from "./MailboxesTab";
import { QuarantineTab } from "./QuarantineTab";
import { ReportView, VerdictBadge } from "./ReportView";
import "./email.css";

const TABS = [
  { id: "analyze", label: "Analyse" },
  { id: "quarantine", label: "Quarantine" },
  { id: "mailboxes", label: "Mailboxes" },
] as const;
type TabId = (typeof TABS)[number]["id"];

export default function EmailPage() {
  useDocumentTitle("E-mail analysis");
  const me = useCurrentUser();
  const canAnalyze = hasPermission(me, "incidents:write");
  const canRespond = hasPermission(me, "response:execute");
  const canSettings = hasPermission(me, "settings:read");
  const [params, setParams] = useSearchParams();
  const tabs = TABS.filter((t) => t.id !== "mailboxes" || canSettings);
  const tab: TabId = tabs.some((t) => t.id === params.get("tab")) ? (params.get("tab") as TabId) : "analyze";
  const reportID = params.get("report") ?? "";
  const openReport = (id: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      next.set("tab", "analyze");
      next.set("report", id);
      return next;
    });

  return (
    <div className="page email-page">
      <header className="page-header">
        <h1>E-mail analysis</h1>
        <p className="page-subtitle">
          Headers, delivery path, SPF/DKIM/DMARC, links and attachments weighed into a verdict with every reason. Suspicious messages are
          quarantined.
        </p>
      </header>
      <div className="tabs" role="tablist" aria-label="E-mail views">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`email-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`email-panel-${t.id}`}
            className={tab === t.id ? "tab active" : "tab"}
            onClick={() =>
              setParams(() => {
                const next = new URLSearchParams();
                next.set("tab", t.id);
                return next;
              })
            }
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`email-panel-${tab}`} aria-labelledby={`email-tab-${tab}`}>
        {tab === "analyze" ? (
          <>
            {canAnalyze ? <UploadCard onAnalyzed={openReport} /> : null}
            {reportID ? <OpenReport id={reportID} /> : null}
            <ReportList onOpen={openReport} current={reportID} />
          </>
        ) : null}
        {tab === "quarantine" ? <QuarantineTab canRespond={canRespond} onOpenReport={openReport} /> : null}
        {tab === "mailboxes" && canSettings ? <MailboxesTab writable={hasPermission(me, "settings:write")} canPoll={canAnalyze} /> : null}
      </div>
    </div>
  );
}

function UploadCard({ onAnalyzed }: { onAnalyzed: (id: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const client = useQueryClient();
  const analyze = useMutation({
    mutationFn: (f: File) => analyzeEmail(f),
    onSuccess: (a) => {
      client.invalidateQueries({ queryKey: ["email"] });
      setFile(null);
      if (input.current) input.current.value = "";
      onAnalyzed(a.id);
    },
  });
  return (
    <section className="card email-upload" aria-label="Analyse a message">
      <h2>Analyse a message</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (file) analyze.mutate(file);
        }}
      >
        <div className="field">
          <label htmlFor="eml-file">Message file (.eml)</label>
          <input
            ref={input}
            id="eml-file"
            type="file"
            accept=".eml,message/rfc822"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          <span className="field-hint">The raw message as saved by a mail client (“Save as” / “Download original”), up to 25 MiB.</span>
        </div>
        {analyze.isError ? <ErrorMessage error={analyze.error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!file || analyze.isPending}>
            {analyze.isPending ? "Analysing…" : "Analyse"}
          </button>
        </div>
      </form>
    </section>
  );
}

function OpenReport({ id }: { id: string }) {
  const q = useEmailReport(id);
  if (q.isError) return <ErrorMessage error={q.error} />;
  if (!q.data) return <p role="status">Loading the report…</p>;
  return <ReportView analysis={q.data} />;
}

function ReportList({ onOpen, current }: { onOpen: (id: string) => void; current: string }) {
  const [verdict, setVerdict] = useState("");
  const list = useEmailReports(verdict);
  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-label="Analysed messages">
      <div className="email-list-head">
        <h2>Analysed messages</h2>
        <div className="field field-inline">
          <label htmlFor="verdict-filter">Verdict</label>
          <select id="verdict-filter" value={verdict} onChange={(e) => setVerdict(e.target.value)}>
            <option value="">All</option>
            {(Object.keys(VERDICT_LABELS) as Verdict[]).map((v) => (
              <option key={v} value={v}>
                {VERDICT_LABELS[v]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Analysed</th>
              <th scope="col">Verdict</th>
              <th scope="col">Subject</th>
              <th scope="col">From</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} aria-current={r.id === current ? "true" : undefined}>
                <td>
                  <Time value={r.created_at} />
                </td>
                <td>
                  <VerdictBadge verdict={r.verdict} score={r.score} />
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => onOpen(r.id)}>
                    {r.subject || "(no subject)"}
                  </button>
                </td>
                <td>{r.from_name ? `${r.from_name} <${r.from}>` : r.from}</td>
                <td>{r.source === "mailbox" ? "Mailbox" : "Upload"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.isSuccess && items.length === 0 ? <p className="empty">No message analysed yet.</p> : null}
    </section>
  );
}
