import { keepPreviousData, useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import type { AuditQuery, AuditVerification } from "../api/types";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { AdminError } from "./AdminError";

const PAGE_SIZE = 50;

interface Filters {
  actor: string;
  action: string;
  target_type: string;
  since: string;
  until: string;
}

const NO_FILTERS: Filters = { actor: "", action: "", target_type: "", since: "", until: "" };

/** datetime-local values are local wall-clock times; the API wants RFC 3339 UTC. */
export function toRFC3339(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function AuditPage() {
  useDocumentTitle("Audit log · Administration");
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);

  const query: AuditQuery = {
    actor: filters.actor.trim(),
    action: filters.action.trim(),
    target_type: filters.target_type.trim(),
    since: toRFC3339(filters.since),
    until: toRFC3339(filters.until),
    limit: PAGE_SIZE,
  };
  const audit = useInfiniteQuery({
    queryKey: queryKeys.audit(query),
    queryFn: ({ pageParam, signal }) => api.listAudit(pageParam ? { ...query, cursor: pageParam } : query, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // New filters keep the last rows on screen (dimmed) until theirs arrive.
    placeholderData: keepPreviousData,
  });
  const verify = useMutation({ mutationFn: () => api.verifyAudit() });

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
  }

  if (audit.isError && !audit.data) return <AdminError area="the Audit log" error={audit.error} />;
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filters).some((v) => v !== "");

  return (
    <div className="panel">
      <form className="filter-bar" onSubmit={apply} aria-label="Audit log filters">
        <div className="field">
          <label htmlFor="audit-actor">Actor</label>
          <input id="audit-actor" value={draft.actor} onChange={set("actor")} placeholder="E-mail or user ID" />
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            value={draft.action}
            onChange={set("action")}
            placeholder="user.create or user."
            title="An exact action, or a prefix ending in a dot"
          />
        </div>
        <div className="field">
          <label htmlFor="audit-target-type">Target type</label>
          <input id="audit-target-type" value={draft.target_type} onChange={set("target_type")} placeholder="e.g. user" />
        </div>
        <div className="field">
          <label htmlFor="audit-since">Since</label>
          <input id="audit-since" type="datetime-local" value={draft.since} onChange={set("since")} />
        </div>
        <div className="field">
          <label htmlFor="audit-until">Until</label>
          <input id="audit-until" type="datetime-local" value={draft.until} onChange={set("until")} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Apply filters
          </button>
          <button
            type="button"
            className="btn"
            disabled={!filtered && Object.values(draft).every((v) => v === "")}
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      <div className="verify-row">
        <button type="button" className="btn" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? "Verifying…" : "Verify chain"}
        </button>
        <VerifyResult result={verify.data} error={verify.error} />
      </div>

      <div className="table-wrap">
        <table className="table" aria-busy={audit.isPlaceholderData || undefined}>
          <caption className="sr-only">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Summary</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {audit.isPending ? (
              <tr>
                <td colSpan={6} className="table-empty">
                  Loading the audit log…
                </td>
              </tr>
            ) : entries.length === 0 ? (
              <tr>
                <td colSpan={6} className="table-empty">
                  {filtered ? "No entries match these filters." : "The audit log is empty."}
                </td>
              </tr>
            ) : (
              entries.map((e) => (
                <tr key={e.seq}>
                  <td className="cell-nowrap">
                    <Time value={e.time} />
                  </td>
                  <td>{e.actor_email || e.actor_id || <span className="muted">system</span>}</td>
                  <td>
                    <code className="action">{e.action}</code>
                  </td>
                  <td className="cell-target">
                    {e.target_type ? (
                      <>
                        <span>{e.target_type}</span>
                        {e.target_id ? (
                          <span className="muted mono" title={e.target_id}>
                            {" "}
                            {shortId(e.target_id)}
                          </span>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{e.summary}</td>
                  <td className="mono cell-nowrap">{e.ip || <span className="muted">—</span>}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {audit.isError ? <ErrorMessage error={audit.error} /> : null}
      {audit.hasNextPage ? (
        <div className="pager">
          <button type="button" className="btn" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage || audit.isPlaceholderData}>
            {audit.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** IDs are time-ordered (UUIDv7): their tail tells them apart, their head does not. */
function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

function VerifyResult({ result, error }: { result: AuditVerification | undefined; error: unknown }) {
  if (error) return <ErrorMessage error={error} />;
  if (!result) return null;
  if (result.ok) {
    return (
      <div className="alert alert-success" role="status">
        Chain intact: all {result.entries} entries verified.
      </div>
    );
  }
  return (
    <div className="alert alert-error" role="alert">
      Chain broken at entry #{result.broken_at_seq}
      {result.reason ? `: ${result.reason}` : ""} ({result.entries} entries checked).
    </div>
  );
}
