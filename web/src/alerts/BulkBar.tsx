// Bulk actions on the selected alerts, or on every alert the queue's
// filter matches (POST /api/v1/alerts/bulk with ids or a filter): one
// request, and the answer says how many changed and, for each one that did
// not, why — told by BulkResultMessage, which the queue keeps on screen
// until dismissed (the selection it acted on is gone by then).

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { socApi, type BulkRequest, type BulkResult, type TriageAlert } from "../api/soc";
import { AddToIncidentDialog } from "../incidents/IncidentDialogs";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { AssignDialog, BulkStatusDialog, EscalateDialog } from "./TriageDialogs";

type Open = null | "assign" | "status" | "escalate" | "delete" | "incident";

/** The outcome of a bulk action, as the queue shows it. */
export interface BulkOutcome {
  label: string;
  r: BulkResult;
  /** The titles of the alerts on screen then, to name those that failed. */
  titles: ReadonlyMap<string, string>;
}

/** Every alert the queue's filter matches: the filter, and how many the list counted. */
export interface MatchingSelection {
  filter: Record<string, string>;
  count: number;
  /** More than count match (the list stops counting at 1,000). */
  capped: boolean;
}

type Action = Omit<BulkRequest, "ids" | "filter">;

export function BulkBar({
  ids,
  matching,
  alerts,
  trash,
  canDelete,
  canIncident,
  onClear,
  onDone,
}: {
  ids: string[];
  /** Set: act on every alert the filter matches instead of ids. */
  matching?: MatchingSelection | null;
  alerts: readonly TriageAlert[];
  trash: boolean;
  canDelete: boolean;
  canIncident: boolean;
  onClear: () => void;
  onDone: (outcome: BulkOutcome) => void;
}) {
  const [open, setOpen] = useState<Open>(null);
  const titles = new Map(alerts.map((a) => [a.id, a.title || a.rule_title]));
  const bulk = useMutation({
    mutationFn: ({ req }: { req: Action; label: string }) => socApi.bulk(matching ? { ...req, filter: matching.filter } : { ...req, ids }),
    onSuccess: (r, { label }) => {
      setOpen(null);
      if (r.failed.length === 0) onClear();
      onDone({ label, r, titles });
    },
  });
  const run = (req: Action, label: string) => bulk.mutate({ req, label });
  const n = matching ? matching.count : ids.length;
  const what = matching
    ? `all ${n.toLocaleString()}${matching.capped ? "+" : ""} alerts matching this filter`
    : `${n.toLocaleString()} alert${n === 1 ? "" : "s"}`;
  const close = () => {
    setOpen(null);
    bulk.reset();
  };

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <span className="cell-strong">{matching ? `${what.charAt(0).toUpperCase()}${what.slice(1)}` : what} selected</span>
      <div className="bulk-actions" role="group" aria-label={`Act on ${what}`}>
        {trash ? (
          <button type="button" className="btn btn-small" disabled={bulk.isPending} onClick={() => run({ action: "restore" }, "Restored")}>
            Restore
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-small" disabled={bulk.isPending} onClick={() => run({ action: "acknowledge" }, "Acknowledged")}>
              Acknowledge
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen("assign")}>
              Assign…
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen("status")}>
              Set status…
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen("escalate")}>
              Escalate…
            </button>
            {canIncident && !matching ? (
              <button type="button" className="btn btn-small" onClick={() => setOpen("incident")}>
                Add to incident…
              </button>
            ) : null}
            {canDelete ? (
              <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setOpen("delete")}>
                Delete…
              </button>
            ) : null}
          </>
        )}
        <button type="button" className="btn btn-small btn-ghost" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {bulk.isError && open === null ? <ErrorMessage error={bulk.error} /> : null}

      {open === "assign" ? <AssignDialog what={what} pending={bulk.isPending} error={bulk.error} onCancel={close} onSubmit={(p) => run({ action: "assign", ...p }, "Assigned")} /> : null}
      {open === "status" ? (
        <BulkStatusDialog
          count={n}
          what={what}
          pending={bulk.isPending}
          error={bulk.error}
          onCancel={close}
          onSubmit={(status, verdict) => run(verdict ? { action: "status", status, verdict } : { action: "status", status }, "Status set")}
        />
      ) : null}
      {open === "escalate" ? (
        <EscalateDialog
          what={what}
          pending={bulk.isPending}
          error={bulk.error}
          onCancel={close}
          onSubmit={(req) => {
            const b: Action = { action: "escalate", reason: req.reason };
            if (req.to_user) b.assignee = req.to_user;
            if (req.to_group) b.assignee_group = req.to_group;
            run(b, "Escalated");
          }}
        />
      ) : null}
      {open === "incident" ? (
        <AddToIncidentDialog
          alertIds={ids}
          defaults={{ title: titles.get(ids[0] ?? "") ?? "", severity: alerts.find((a) => a.id === ids[0])?.severity ?? "medium" }}
          onClose={close}
          onDone={onClear}
        />
      ) : null}
      {open === "delete" ? (
        <ConfirmDialog title={`Delete ${what}?`} confirmLabel={`Delete ${what}`} pending={bulk.isPending} error={bulk.error} onCancel={close} onConfirm={() => run({ action: "delete" }, "Deleted")}>
          <p>The alerts go to the trash: hidden from the queue, restorable for 30 days, then removed for good.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** How a bulk action went; it stays until dismissed. */
export function BulkResultMessage({ outcome, onDismiss }: { outcome: BulkOutcome; onDismiss: () => void }) {
  const { label, r, titles } = outcome;
  const shownFailures = r.failed.slice(0, 100);
  return (
    <div className={r.failed.length ? "alert alert-warning bulk-result" : "alert alert-success bulk-result"} role="region" aria-label="Bulk action result">
      <p role="status">
        {label}: {r.updated.toLocaleString()} updated
        {r.failed.length ? `, ${r.failed.length.toLocaleString()} failed` : ""}
        {r.matched !== undefined && r.matched !== r.updated + r.failed.length ? ` (${r.matched.toLocaleString()} matched)` : ""}.
      </p>
      {r.failed.length ? (
        <ul aria-label="Alerts that failed">
          {shownFailures.map((f) => (
            <li key={f.id}>
              <span className="cell-strong">{titles.get(f.id) ?? f.id}</span>: {f.error}
            </li>
          ))}
          {r.failed.length > shownFailures.length ? <li className="muted">and {(r.failed.length - shownFailures.length).toLocaleString()} more</li> : null}
        </ul>
      ) : null}
      <button type="button" className="btn btn-mini btn-ghost" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
