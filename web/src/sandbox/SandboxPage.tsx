// The Sandbox page: submit a file (drag and drop) or a URL, domain, IP or
// hash; follow the analysis live; read the report; browse the history.
// Tabs for the organisation's YARA rules and the external services. The
// tab and the open submission are in the URL (?tab=, ?id=).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState, type DragEvent } from "react";
import { useSearchParams } from "react-router";
import type { LiveMessage } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { useLive } from "../live/socket";
import { ErrorMessage } from "../ui/ErrorMessage";
import { fieldError, FormAlert, SelectField, TextField } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { ReportView, VerdictBadge } from "./ReportView";
import { RulesTab } from "./RulesTab";
import {
  formatBytes,
  sandboxApi,
  sandboxKeys,
  uploadSample,
  useSandboxInfo,
  useSubmissions,
  type Submission,
  type SubmissionKind,
  type UploadProgress,
} from "./sandboxApi";
import { SettingsTab } from "./SettingsTab";
import "./sandbox.css";

const TABS = [
  { id: "analyse", label: "Analyse" },
  { id: "rules", label: "YARA rules" },
  { id: "settings", label: "External services" },
] as const;
type TabId = (typeof TABS)[number]["id"];

interface ProgressData {
  id: string;
  status: Submission["status"];
  stage: string;
  progress: number;
  verdict?: string;
  score: number;
  error?: string;
}

export default function SandboxPage() {
  useDocumentTitle("Sandbox");
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.some((t) => t.id === params.get("tab")) ? (params.get("tab") as TabId) : "analyse";
  const openId = params.get("id") ?? "";
  const client = useQueryClient();
  const info = useSandboxInfo();

  // Progress and completion arrive on the threats channel.
  const onMessage = useCallback(
    (msg: LiveMessage) => {
      if (!msg.type.startsWith("sandbox.")) return;
      const d = msg.data as ProgressData;
      client.setQueryData(sandboxKeys.one(d.id), (old: Submission | undefined) =>
        old ? { ...old, status: d.status, stage: d.stage, progress: d.progress, verdict: (d.verdict ?? old.verdict) as Submission["verdict"], score: d.score, error: d.error } : old,
      );
      if (msg.type === "sandbox.done") {
        void client.invalidateQueries({ queryKey: sandboxKeys.one(d.id) });
        void client.invalidateQueries({ queryKey: ["sandbox", "list"] });
      }
    },
    [client],
  );
  useLive(["threats"], "", true, onMessage);

  const setParam = (changes: Record<string, string | null>) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) next.delete(k);
        else next.set(k, v);
      }
      return next;
    });

  return (
    <div className="page sandbox-page">
      <header className="page-header">
        <h1>Sandbox</h1>
        <p className="page-subtitle">
          Static analysis of files, URLs, domains, IPs and hashes: nothing is executed and nothing leaves the server unless an external service is enabled.
        </p>
        {info.data && !info.data.yara_enabled ? <p className="muted">{info.data.yara_message}</p> : null}
      </header>
      <div className="tabs" role="tablist" aria-label="Sandbox views">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`sandbox-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`sandbox-panel-${t.id}`}
            className={tab === t.id ? "tab active" : "tab"}
            onClick={() => setParam({ tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`sandbox-panel-${tab}`} aria-labelledby={`sandbox-tab-${tab}`}>
        {tab === "analyse" ? (
          <>
            <SubmitPanel onSubmitted={(id) => setParam({ id })} />
            {openId ? <ReportView key={openId} id={openId} onDeleted={() => setParam({ id: null })} /> : null}
            <History openId={openId} onOpen={(id) => setParam({ id })} />
          </>
        ) : null}
        {tab === "rules" ? <RulesTab /> : null}
        {tab === "settings" ? <SettingsTab /> : null}
      </div>
    </div>
  );
}

const KINDS: ReadonlyArray<{ value: SubmissionKind; label: string }> = [
  { value: "url", label: "URL" },
  { value: "domain", label: "Domain" },
  { value: "ip", label: "IP address" },
  { value: "hash", label: "Hash (MD5, SHA-1, SHA-256, SHA-512, TLSH, ssdeep)" },
];

function SubmitPanel({ onSubmitted }: { onSubmitted: (id: string) => void }) {
  const me = useCurrentUser();
  const client = useQueryClient();
  const info = useSandboxInfo();
  const [kind, setKind] = useState<SubmissionKind>("url");
  const [value, setValue] = useState("");
  const [reanalyze, setReanalyze] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [notice, setNotice] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const done = (s: Submission) => {
    setNotice(s.duplicate ? `Already analysed: showing the existing analysis of ${s.target}.` : `Submitted ${s.target}.`);
    void client.invalidateQueries({ queryKey: ["sandbox", "list"] });
    client.setQueryData(sandboxKeys.one(s.id), (old: Submission | undefined) => old ?? s);
    onSubmitted(s.id);
  };
  const sendFile = useMutation({
    mutationFn: (file: File) => uploadSample(file, reanalyze, setUpload),
    onSuccess: done,
    onSettled: () => setUpload(null),
  });
  const sendValue = useMutation({
    mutationFn: () => sandboxApi.submitValue(kind, value.trim(), reanalyze),
    onSuccess: (s) => {
      setValue("");
      done(s);
    },
  });
  if (!hasPermission(me, "sandbox:write")) {
    return <p className="read-only-note">Your role may read sandbox reports but not submit samples.</p>;
  }
  const pick = (files: FileList | null) => {
    const f = files?.[0];
    if (f) {
      setNotice("");
      sendFile.mutate(f);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    pick(e.dataTransfer.files);
  };
  return (
    <section className="sandbox-submit card" aria-label="Submit a sample">
      <div
        className={dragging ? "dropzone dropzone-active" : "dropzone"}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop a file here, or{" "}
          <button type="button" className="btn btn-small" onClick={() => fileInput.current?.click()}>
            choose a file
          </button>
        </p>
        <input
          ref={fileInput}
          type="file"
          className="sr-only"
          aria-label="Sample file"
          onChange={(e) => {
            pick(e.target.files);
            e.target.value = "";
          }}
        />
        <p className="muted">
          Up to {formatBytes(info.data?.max_sample_size)}. Samples are stored {info.data?.encrypt_samples ? "encrypted, " : ""}never executed, and downloadable only as a ZIP with the password “infected”.
        </p>
        {upload ? (
          <progress max={upload.total || 1} value={upload.loaded} aria-label="Upload progress">
            {Math.round((upload.loaded / (upload.total || 1)) * 100)}%
          </progress>
        ) : null}
        {sendFile.isError ? <ErrorMessage error={sendFile.error} /> : null}
      </div>
      <form
        className="sandbox-value-form"
        onSubmit={(e) => {
          e.preventDefault();
          setNotice("");
          sendValue.mutate();
        }}
      >
        <SelectField label="Kind of value" value={kind} onChange={(v) => setKind(v as SubmissionKind)} options={KINDS} error={fieldError(sendValue.error, "kind")} />
        <TextField
          label="Value"
          value={value}
          onChange={setValue}
          placeholder="hxxp://example[.]com/login"
          error={fieldError(sendValue.error, "value")}
          required
        />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={sendValue.isPending || value.trim() === ""}>
            Analyse
          </button>
        </div>
        <FormAlert error={sendValue.error} fields={["kind", "value"]} />
      </form>
      <label className="sandbox-check">
        <input type="checkbox" checked={reanalyze} onChange={(e) => setReanalyze(e.target.checked)} /> Analyse again even if this file was analysed before
      </label>
      {notice ? (
        <p role="status" className="sandbox-notice">
          {notice}
        </p>
      ) : null}
    </section>
  );
}

const PAGE = 25;

function History({ openId, onOpen }: { openId: string; onOpen: (id: string) => void }) {
  const [verdict, setVerdict] = useState("");
  const [kind, setKind] = useState("");
  const [q, setQ] = useState("");
  const [page, setPage] = useState(0);
  const list = useSubmissions({ verdict: verdict || undefined, kind: kind || undefined, q: q.trim() || undefined, limit: PAGE, offset: page * PAGE });
  const items = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  return (
    <section className="sandbox-history" aria-label="History">
      <h2>History</h2>
      <div className="toolbar toolbar-filters">
        <SelectField
          label="Verdict"
          value={verdict}
          onChange={(v) => {
            setVerdict(v);
            setPage(0);
          }}
          options={[
            { value: "", label: "Any" },
            { value: "malicious", label: "Malicious" },
            { value: "suspicious", label: "Suspicious" },
            { value: "clean", label: "Clean" },
          ]}
        />
        <SelectField
          label="Kind"
          value={kind}
          onChange={(v) => {
            setKind(v);
            setPage(0);
          }}
          options={[{ value: "", label: "Any" }, { value: "file", label: "File" }, ...KINDS.map((k) => ({ value: k.value, label: k.label.split(" (")[0] ?? k.label }))]}
        />
        <TextField
          label="Search"
          value={q}
          onChange={(v) => {
            setQ(v);
            setPage(0);
          }}
          placeholder="name, value or SHA-256"
        />
      </div>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Submitted</th>
              <th scope="col">Kind</th>
              <th scope="col">Sample</th>
              <th scope="col">Status</th>
              <th scope="col">Verdict</th>
              <th scope="col">Score</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} aria-selected={s.id === openId} className={s.id === openId ? "row-selected" : undefined}>
                <td>
                  <Time value={s.created_at} />
                </td>
                <td>{s.kind}</td>
                <td className="sandbox-evidence">
                  <button type="button" className="link-button" onClick={() => onOpen(s.id)}>
                    {s.target}
                  </button>
                  {s.sha256 ? <div className="muted sandbox-hash">{s.sha256}</div> : null}
                </td>
                <td>{s.status === "running" ? `${s.stage} (${s.progress}%)` : s.status}</td>
                <td>
                  <VerdictBadge verdict={s.verdict || undefined} />
                </td>
                <td>{s.status === "done" ? s.score : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.isSuccess && items.length === 0 ? <p className="empty">No submissions yet.</p> : null}
      </div>
      <div className="pager">
        <span className="muted">{total === 0 ? "0 submissions" : `${page * PAGE + 1}–${Math.min(total, (page + 1) * PAGE)} of ${total.toLocaleString()}`}</span>
        <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE >= total} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </div>
    </section>
  );
}
