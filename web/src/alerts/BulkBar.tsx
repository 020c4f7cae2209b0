// Bulk actions on the selected alerts (POST /api/v1/alerts/bulk): one
// request, and the answer says how many changed and, for each one that did
// not, why — told here by the alert's title when it is on screen.

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { socApi, type BulkRequest, type BulkResult, type TriageAlert } from "../api/soc";
import { AddToIncidentDialog } from "../incidents/IncidentDialogs";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { AssignDialog, BulkStatusDialog, EscalateDialog } from "./TriageDialogs";

type Open = null | "assign" | "status" | "escalate" | "delete" | "incident";

export function BulkBar({
  ids,
  alerts,
  trash,
  canDelete,
  canIncident,
  onClear,
  onDone,
}: {
  ids: string[];
  alerts: readonly TriageAlert[];
  trash: boolean;
  canDelete: boolean;
  canIncident: boolean;
  onClear: () => void;
  onDone: () => void;
}) {
  const [open, setOpen] = useState<Open>(null);
  const [result, setResult] = useState<{ label: string; r: BulkResult } | null>(null);
  const bulk = useMutation({
    mutationFn: ({ req }: { req: Omit<BulkRequest, "ids">; label: string }) => socApi.bulk({ ...req, ids }),
    onSuccess: (r, { label }) => {
      setResult({ label, r });
      setOpen(null);
      if (r.failed.length === 0) onClear();
      onDone();
    },
  });
  const run = (req: Omit<BulkRequest, "ids">, label: string) => bulk.mutate({ req, label });
  const n = ids.length;
  const what = `${n} alert${n === 1 ? "" : "s"}`;
  const titles = new Map(alerts.map((a) => [a.id, a.title || a.rule_title]));
  const close = () => {
    setOpen(null);
    bulk.reset();
  };

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <span className="cell-strong">{what} selected</span>
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
            {canIncident ? (
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
      {result ? (
        <div className={result.r.failed.length ? "alert alert-warning bulk-result" : "alert alert-success bulk-result"} role="status">
          <p>
            {result.label}: {result.r.updated.toLocaleString()} updated
            {result.r.failed.length ? `, ${result.r.failed.length.toLocaleString()} failed` : ""}.
          </p>
          {result.r.failed.length ? (
            <ul aria-label="Alerts that failed">
              {result.r.failed.map((f) => (
                <li key={f.id}>
                  <span className="cell-strong">{titles.get(f.id) ?? f.id}</span>: {f.error}
                </li>
              ))}
            </ul>
          ) : null}
          <button type="button" className="btn btn-mini btn-ghost" onClick={() => setResult(null)}>
            Dismiss
          </button>
        </div>
      ) : null}

      {open === "assign" ? <AssignDialog what={what} pending={bulk.isPending} error={bulk.error} onCancel={close} onSubmit={(p) => run({ action: "assign", ...p }, "Assigned")} /> : null}
      {open === "status" ? (
        <BulkStatusDialog
          count={n}
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
            const b: Omit<BulkRequest, "ids"> = { action: "escalate", reason: req.reason };
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
