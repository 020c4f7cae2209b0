// Shift handovers (/handovers): "Compose" asks the server for the text of
// the team's open alerts, incidents and tasks; the author edits subject,
// body and recipients, picks the e-mail channel, saves a draft and sends
// it. The outcome is told as the server reports it: sent, or failed with
// the mail server's own error. The history lists every handover.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { isApiError } from "../api/client";
import { socApi, socKeys, useChannels, useHandovers, type Handover, type HandoverInput, type HandoverSnapshot } from "../api/soc";
import type { Me } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { usePeople } from "../incidents/people";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "../incidents/soc.css";

/** "a@x, b@y; c@z" → the addresses; and the ones that are not addresses. */
export function parseRecipients(text: string): { ok: string[]; bad: string[] } {
  const parts = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const ok: string[] = [];
  const bad: string[] = [];
  for (const p of parts) (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p) ? ok : bad).push(p);
  return { ok: [...new Set(ok)], bad };
}

export function HandoversPage() {
  useDocumentTitle("Handovers");
  const me = useCurrentUser();
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Handovers</h1>
        </header>
        <AccessDenied area="Handovers" role={me.role} />
      </section>
    );
  }
  return <Handovers me={me} />;
}

interface Draft {
  id: string | null;
  group: string;
  subject: string;
  body: string;
  recipients: string;
  channel: string;
  snapshot: HandoverSnapshot | null;
}

const EMPTY: Draft = { id: null, group: "", subject: "", body: "", recipients: "", channel: "", snapshot: null };

function Handovers({ me }: { me: Me }) {
  const id = useId();
  const queryClient = useQueryClient();
  const people = usePeople(me);
  const writable = hasPermission(me, "incidents:write");
  const channels = useChannels(hasPermission(me, "notify:read"));
  const emailChannels = (channels.data?.channels ?? []).filter((c) => c.kind === "email" && c.enabled);
  const history = useHandovers();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (d: Partial<Draft>) => setDraft((prev) => ({ ...prev, ...d }));
  const channel = draft.channel || emailChannels[0]?.id || "";

  const compose = useMutation({
    mutationFn: () => socApi.composeHandover(draft.group || undefined),
    onSuccess: (c) => set({ subject: c.subject, body: c.body, snapshot: c.snapshot }),
  });

  function input(): HandoverInput | null {
    const r = parseRecipients(draft.recipients);
    if (!draft.subject.trim()) return (setProblem("Write a subject."), null);
    if (r.bad.length) return (setProblem(`Not e-mail addresses: ${r.bad.join(", ")}`), null);
    if (r.ok.length === 0) return (setProblem("Add at least one recipient."), null);
    setProblem(null);
    return {
      ...(draft.group ? { group: draft.group } : {}),
      subject: draft.subject.trim(),
      body: draft.body,
      recipients: r.ok,
      channel_id: channel,
      ...(draft.snapshot ? { snapshot: draft.snapshot } : {}),
    };
  }

  async function saveDraft(): Promise<Handover | null> {
    const body = input();
    if (!body) return null;
    const saved = draft.id ? await socApi.updateHandover(draft.id, body) : await socApi.createHandover(body);
    set({ id: saved.id });
    void queryClient.invalidateQueries({ queryKey: socKeys.handovers });
    return saved;
  }

  const save = useMutation({ mutationFn: saveDraft, onSuccess: (h) => h && setOutcome({ ok: true, text: "Draft saved." }) });
  const send = useMutation({
    mutationFn: async () => {
      const saved = await saveDraft();
      if (!saved) return null;
      return socApi.sendHandover(saved.id);
    },
    onSuccess: (h) => {
      if (!h) return;
      setOutcome(h.status === "sent" ? { ok: true, text: `Sent to ${h.recipients.join(", ")}.` } : { ok: false, text: `Failed: ${h.error || "the mail server refused it."}` });
      if (h.status === "sent") setDraft(EMPTY);
    },
    onError: (err) => setOutcome({ ok: false, text: `Failed: ${errorText(err)}` }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: socKeys.handovers }),
  });

  const busy = compose.isPending || save.isPending || send.isPending;
  const formError = save.error && !(isApiError(save.error) && save.error.field) ? save.error : null;
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Handovers</h1>
        <p className="page-subtitle">End-of-shift reports: what is open, what was done, what the next shift must watch.</p>
      </header>

      {writable ? (
        <section className="card handover-composer" aria-label="Compose a handover">
          <div className="form-row">
            <div className="field">
              <label htmlFor={`${id}-group`}>Team</label>
              <select id={`${id}-group`} value={draft.group} onChange={(e) => set({ group: e.target.value })}>
                <option value="">Whole organisation</option>
                {people.groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.label}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="btn" disabled={busy} onClick={() => compose.mutate()}>
              {compose.isPending ? "Composing…" : "Compose"}
            </button>
            {draft.snapshot ? (
              <span className="muted" role="status">
                From {draft.snapshot.alerts} open alert{draft.snapshot.alerts === 1 ? "" : "s"}, {draft.snapshot.incidents} incident{draft.snapshot.incidents === 1 ? "" : "s"} and {draft.snapshot.tasks} task
                {draft.snapshot.tasks === 1 ? "" : "s"}.
              </span>
            ) : null}
          </div>
          {compose.isError ? <ErrorMessage error={compose.error} /> : null}
          <div className={fieldError(save.error ?? send.error, "subject") ? "field field-invalid" : "field"}>
            <label htmlFor={`${id}-subject`}>Subject</label>
            <input id={`${id}-subject`} value={draft.subject} onChange={(e) => set({ subject: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-body`}>Body (Markdown)</label>
            <textarea id={`${id}-body`} className="mono" rows={14} value={draft.body} onChange={(e) => set({ body: e.target.value })} />
          </div>
          <div className="form-row">
            <div className={fieldError(save.error ?? send.error, "recipients") ? "field field-invalid grow" : "field grow"}>
              <label htmlFor={`${id}-to`}>Recipients</label>
              <input id={`${id}-to`} value={draft.recipients} onChange={(e) => set({ recipients: e.target.value })} placeholder="next-shift@example.com, lead@example.com" />
              {fieldError(save.error ?? send.error, "recipients") ? <div className="field-error">{fieldError(save.error ?? send.error, "recipients")}</div> : null}
            </div>
            <div className={fieldError(save.error ?? send.error, "channel_id") ? "field field-invalid" : "field"}>
              <label htmlFor={`${id}-ch`}>E-mail channel</label>
              <select id={`${id}-ch`} value={channel} onChange={(e) => set({ channel: e.target.value })}>
                {emailChannels.length === 0 ? <option value="">No e-mail channel</option> : null}
                {emailChannels.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
              {!channels.isPending && emailChannels.length === 0 ? <div className="field-hint">An admin or team lead adds one in Administration → Notifications.</div> : null}
            </div>
          </div>
          {problem ? (
            <div className="field-error" role="alert">
              {problem}
            </div>
          ) : null}
          {formError ? <ErrorMessage error={formError} /> : null}
          {outcome ? (
            <div className={outcome.ok ? "alert alert-success" : "alert alert-error"} role={outcome.ok ? "status" : "alert"}>
              {outcome.text}
            </div>
          ) : null}
          <div className="form-actions">
            {draft.id ? (
              <button type="button" className="btn btn-ghost" onClick={() => (setDraft(EMPTY), setOutcome(null))}>
                New handover
              </button>
            ) : null}
            <button type="button" className="btn" disabled={busy} onClick={() => (setOutcome(null), save.mutate())}>
              Save draft
            </button>
            <button type="button" className="btn btn-primary" disabled={busy || !channel} onClick={() => (setOutcome(null), send.mutate())}>
              {send.isPending ? "Sending…" : "Send handover"}
            </button>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="handover-history">
        <h2 id="handover-history">History</h2>
        {history.isError ? <ErrorMessage error={history.error} /> : null}
        {history.isPending ? (
          <p className="muted">Loading…</p>
        ) : (history.data?.handovers ?? []).length === 0 ? (
          <p className="muted">No handovers yet.</p>
        ) : (
          <table className="table table-dense" aria-label="Handovers, newest first">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Subject</th>
                <th scope="col">Team</th>
                <th scope="col">Author</th>
                <th scope="col">Recipients</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {(history.data?.handovers ?? []).map((h) => (
                <tr key={h.id}>
                  <td className="cell-nowrap">
                    <Time value={h.created_at} />
                  </td>
                  <td>
                    {h.subject}
                    <div className="muted">
                      {h.snapshot ? `${h.snapshot.alerts} alerts · ${h.snapshot.incidents} incidents · ${h.snapshot.tasks} tasks` : ""}
                    </div>
                  </td>
                  <td>{h.group_name || <span className="muted">organisation</span>}</td>
                  <td>{h.author_email || h.author}</td>
                  <td>{h.recipients.join(", ")}</td>
                  <td>
                    <span className={`handover-status handover-${h.status}`}>{h.status === "sent" ? "Sent" : h.status === "failed" ? "Failed" : "Draft"}</span>
                    {h.sent_at ? (
                      <div className="muted">
                        <Time value={h.sent_at} />
                      </div>
                    ) : null}
                    {h.error ? <div className="field-error">{h.error}</div> : null}
                    {writable && h.status !== "sent" ? (
                      <button
                        type="button"
                        className="btn btn-mini btn-ghost"
                        aria-label={`Edit handover ${h.subject}`}
                        onClick={() => {
                          setOutcome(null);
                          // Only drafts can be changed; a failed one is sent again as a new handover.
                          setDraft({ id: h.status === "draft" ? h.id : null, group: h.group, subject: h.subject, body: h.body, recipients: h.recipients.join(", "), channel: h.channel_id, snapshot: h.snapshot });
                        }}
                      >
                        {h.status === "draft" ? "Edit" : "Retry"}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
