// Working an alert: its status in words, and changing it (PATCH), from the
// queue's row or from the alert's page. The cached lists and the alert
// itself are updated with the server's answer.

import { useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useState } from "react";
import { ALERT_STATUSES, ALERT_STATUS_LABELS, detectionApi, detectionKeys, type Alert, type AlertList, type AlertPatch, type AlertStatus } from "../api/detection";
import { CLOSING_STATUSES, type TriageAlert } from "../api/soc";
import { CloseDialog, closePatch, useTriagePatch } from "./TriageDialogs";

export function StatusBadge({ status }: { status: AlertStatus | string }) {
  const label = (ALERT_STATUS_LABELS as Record<string, string>)[status] ?? status;
  return <span className={`status-badge status-${status}`}>{label}</span>;
}

/** PATCHes an alert; `onSaved` sees the server's answer. */
export function useAlertPatch(onSaved?: (a: Alert) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: AlertPatch }) => detectionApi.patchAlert(id, patch),
    onSuccess: (saved) => {
      queryClient.setQueriesData<InfiniteData<AlertList>>({ queryKey: ["alerts", "list"] }, (old) =>
        old ? { ...old, pages: old.pages.map((p) => ({ ...p, alerts: p.alerts.map((a) => (a.id === saved.id ? { ...a, ...saved } : a)) })) } : old,
      );
      queryClient.setQueryData(detectionKeys.alert(saved.id), (old: object | undefined) => (old ? { ...old, ...saved } : old));
      void queryClient.invalidateQueries({ queryKey: ["alerts", "stats"] });
      onSaved?.(saved);
    },
  });
}

/**
 * The status as a select in a queue row. Resolved and closed ask a verdict
 * first (the server refuses them without one).
 */
export function StatusSelect({ alert, onSaved }: { alert: TriageAlert; onSaved: (a: Alert) => void }) {
  const patch = useTriagePatch(onSaved);
  const [closing, setClosing] = useState<AlertStatus | null>(null);
  // The server's doubts about the rule exception the resolution created.
  const [warnings, setWarnings] = useState<string[] | undefined>(undefined);
  const shown = patch.isPending && patch.variables?.patch.status ? patch.variables.patch.status : alert.status;
  return (
    <span className="status-select">
      <select
        className={`status-${shown}`}
        value={shown}
        aria-label={`Status of ${alert.title}`}
        disabled={patch.isPending}
        onChange={(e) => {
          const to = e.target.value as AlertStatus;
          if (CLOSING_STATUSES.includes(to)) {
            patch.reset();
            setClosing(to);
          } else patch.mutate({ id: alert.id, patch: { status: to } });
        }}
      >
        {ALERT_STATUSES.map((s) => (
          <option key={s} value={s}>
            {ALERT_STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      {patch.isError && !closing ? (
        <span className="field-error" role="alert">
          {(patch.error as Error).message}
        </span>
      ) : null}
      {closing ? (
        <CloseDialog
          status={closing}
          alert={alert}
          pending={patch.isPending}
          error={patch.error}
          onCancel={() => {
            setClosing(null);
            setWarnings(undefined);
          }}
          onSubmit={(r) =>
            patch.mutate(
              { id: alert.id, patch: closePatch(r) },
              { onSuccess: (saved) => (saved.exception_warnings?.length ? setWarnings(saved.exception_warnings) : setClosing(null)) },
            )
          }
          warnings={warnings}
        />
      ) : null}
    </span>
  );
}

/** The next steps for an alert in each status, as buttons on its page. */
export const STATUS_ACTIONS: ReadonlyArray<{ to: AlertStatus; label: string; from: readonly AlertStatus[] }> = [
  { to: "acknowledged", label: "Acknowledge", from: ["new"] },
  { to: "in_progress", label: "Start work", from: ["new", "acknowledged", "escalated"] },
  { to: "escalated", label: "Escalate", from: ["new", "acknowledged", "in_progress"] },
  { to: "resolved", label: "Resolve", from: ["new", "acknowledged", "in_progress", "escalated"] },
  { to: "closed", label: "Close alert", from: ["new", "acknowledged", "in_progress", "escalated", "resolved"] },
  { to: "new", label: "Reopen", from: ["resolved", "closed"] },
];
