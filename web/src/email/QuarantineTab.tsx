// The quarantine: messages kept aside for their verdict. Those who may run
// response actions release or delete them; anyone who can read them can
// download the .eml.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { deleteQuarantine, rawURL, releaseQuarantine, useQuarantine } from "./emailApi";
import { VerdictBadge } from "./ReportView";

export function QuarantineTab({ canRespond, onOpenReport }: { canRespond: boolean; onOpenReport: (id: string) => void }) {
  const [status, setStatus] = useState("quarantined");
  const list = useQuarantine(status);
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: ["email"] });
  const release = useMutation({ mutationFn: releaseQuarantine, onSuccess: done });
  const remove = useMutation({ mutationFn: deleteQuarantine, onSuccess: done });
  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-label="Quarantined messages">
      <div className="email-list-head">
        <h2>Quarantine</h2>
        <div className="field field-inline">
          <label htmlFor="q-status">Status</label>
          <select id="q-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="quarantined">Held</option>
            <option value="released">Released</option>
            <option value="">All</option>
          </select>
        </div>
      </div>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      {release.isError ? <ErrorMessage error={release.error} /> : null}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Quarantined</th>
              <th scope="col">Verdict</th>
              <th scope="col">Subject</th>
              <th scope="col">From</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((q) => (
              <tr key={q.id}>
                <td>
                  <Time value={q.created_at} />
                </td>
                <td>
                  <VerdictBadge verdict={q.verdict} score={q.score} />
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => onOpenReport(q.report_id)}>
                    {q.subject || "(no subject)"}
                  </button>
                </td>
                <td>{q.from}</td>
                <td>{q.status === "released" ? <span>Released {q.released_at ? <Time value={q.released_at} /> : null}</span> : "Held"}</td>
                <td className="email-actions">
                  <a className="btn btn-small" href={rawURL(q.id)} aria-label={`Download ${q.subject}`}>
                    Download
                  </a>
                  {canRespond && q.status === "quarantined" ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={release.isPending}
                      onClick={() => release.mutate(q.id)}
                      aria-label={`Release ${q.subject}`}
                    >
                      Release
                    </button>
                  ) : null}
                  {canRespond ? (
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(`Delete the quarantined message “${q.subject}” for good?`)) remove.mutate(q.id);
                      }}
                      aria-label={`Delete ${q.subject}`}
                    >
                      Delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.isSuccess && items.length === 0 ? <p className="empty">No message in quarantine.</p> : null}
    </section>
  );
}
