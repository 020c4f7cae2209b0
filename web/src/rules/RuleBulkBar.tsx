// Bulk actions on the rules selected in the list (POST /api/v1/rules/bulk):
// the rules ticked, or every rule the filters match. One request, one
// audit entry; deleting asks first, with the count.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { detectionApi, detectionKeys, type RuleBulkAction, type RuleBulkFilter, type RuleBulkRequest, type RuleBulkResult } from "../api/detection";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";

/** What is selected: rules by id, or every rule the list's filters match (`count` of them). */
export type RuleSelection = { kind: "ids"; ids: readonly string[] } | { kind: "filter"; filter: RuleBulkFilter; count: number };

const DONE: Record<RuleBulkAction, string> = { enable: "Enabled", disable: "Disabled", delete: "Deleted" };

export function bulkRequest(action: RuleBulkAction, sel: RuleSelection): RuleBulkRequest {
  // By filter, the count the user saw goes along: if the rules changed
  // since, the server refuses instead of acting on others.
  return sel.kind === "ids" ? { action, ids: [...sel.ids] } : { action, filter: sel.filter, confirm: sel.count };
}

export function rulesCount(n: number): string {
  return `${n.toLocaleString()} rule${n === 1 ? "" : "s"}`;
}

export function RuleBulkBar({ selection, onClear }: { selection: RuleSelection; onClear: () => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ action: RuleBulkAction; r: RuleBulkResult } | null>(null);
  const bulk = useMutation({
    mutationFn: (action: RuleBulkAction) => detectionApi.bulkRules(bulkRequest(action, selection)),
    onSuccess: (r, action) => {
      setResult({ action, r });
      setConfirming(false);
      onClear();
      void queryClient.invalidateQueries({ queryKey: detectionKeys.allRules });
    },
  });
  const n = selection.kind === "ids" ? selection.ids.length : selection.count;
  const what = rulesCount(n);
  const scope = selection.kind === "filter" ? `all ${what} matching the filters` : what;
  // Nothing selected: the bar shows only what the last action did.
  if (n === 0 && !result && !bulk.isError) return null;

  return (
    <div className="bulk-bar rules-bulk-bar" role="region" aria-label="Bulk actions on rules">
      {n > 0 ? (
        <>
          <span className="cell-strong">{selection.kind === "filter" ? `All ${what} matching the filters selected` : `${what} selected`}</span>
          <div className="bulk-actions" role="group" aria-label={`Act on ${scope}`}>
            <button type="button" className="btn btn-small" disabled={bulk.isPending} onClick={() => bulk.mutate("enable")}>
              Enable
            </button>
            <button type="button" className="btn btn-small" disabled={bulk.isPending} onClick={() => bulk.mutate("disable")}>
              Disable
            </button>
            <button type="button" className="btn btn-small btn-danger-ghost" disabled={bulk.isPending} onClick={() => setConfirming(true)}>
              Delete…
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={onClear}>
              Clear selection
            </button>
          </div>
        </>
      ) : null}
      {bulk.isError && !confirming ? <ErrorMessage error={bulk.error} /> : null}
      {result ? (
        <div className="alert alert-success bulk-result" role="status">
          <p>
            {DONE[result.action]} {rulesCount(result.r.changed)}
            {result.r.changed !== result.r.matched ? ` of the ${result.r.matched.toLocaleString()} selected (the others already were)` : ""}.
          </p>
          <button type="button" className="btn btn-mini btn-ghost" onClick={() => setResult(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={`Delete ${scope}?`}
          confirmLabel={`Delete ${what}`}
          pending={bulk.isPending}
          error={bulk.error}
          onCancel={() => {
            setConfirming(false);
            bulk.reset();
          }}
          onConfirm={() => bulk.mutate("delete")}
        >
          <p>
            {what} go for good, with their exceptions and statistics; their alerts stay. To keep a copy, export them first: an export imports back as it
            was.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
