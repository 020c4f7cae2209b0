// Working an alert beyond its status: the verdict asked when it is resolved
// or closed (a false positive may become a rule exception), assigning it to
// a person or a work group, escalating it with a reason. The same dialogs
// serve one alert (its page, its row) and a selection (bulk actions).

import { useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { ALERT_STATUSES, ALERT_STATUS_LABELS, type AlertStatus, type ExceptionCreate } from "../api/detection";
import {
  CLOSING_STATUSES,
  VERDICTS,
  VERDICT_LABELS,
  exceptionFromAlert,
  socApi,
  socKeys,
  type AlertTriagePatch,
  type EscalateRequest,
  type TriageAlert,
  type TriageAlertList,
  type Verdict,
} from "../api/soc";
import { useCurrentUser } from "../app/session";
import { usePeople } from "../incidents/people";
import { Dialog } from "../ui/Dialog";
import { FormAlert, fieldError } from "../ui/form";
import { ConditionsEditor, checkDrafts, conditionErrorFields, conditionsOf, useConditionDrafts } from "../rules/ExceptionConditions";

/** Puts the server's answer for an alert in every cached list and in its page. */
export function useStoreAlert() {
  const queryClient = useQueryClient();
  return (saved: TriageAlert) => {
    queryClient.setQueriesData<InfiniteData<TriageAlertList>>({ queryKey: ["alerts", "list"] }, (old) =>
      old?.pages ? { ...old, pages: old.pages.map((p) => ({ ...p, alerts: p.alerts.map((a) => (a.id === saved.id ? { ...a, ...saved } : a)) })) } : old,
    );
    queryClient.setQueryData(socKeys.alert(saved.id), (old: object | undefined) => (old ? { ...old, ...saved } : old));
    void queryClient.invalidateQueries({ queryKey: ["alerts", "stats"] });
    void queryClient.invalidateQueries({ queryKey: socKeys.alertHistory(saved.id) });
    // A comment is added to the alert's war-room notes.
    void queryClient.invalidateQueries({ queryKey: socKeys.notes("alert", saved.id) });
  };
}

/** PATCHes an alert (status, assignee, verdict, …); `onSaved` sees the server's answer. */
export function useTriagePatch(onSaved?: (a: TriageAlert) => void) {
  const store = useStoreAlert();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: AlertTriagePatch }) => socApi.patchAlert(id, patch),
    onSuccess: (saved) => {
      store(saved);
      onSaved?.(saved);
    },
  });
}

export function VerdictBadge({ verdict }: { verdict: string | undefined }) {
  if (!verdict) return null;
  return <span className={`verdict-badge verdict-${verdict}`}>{(VERDICT_LABELS as Record<string, string>)[verdict] ?? verdict}</span>;
}

function VerdictChoice({ value, onChange, error }: { value: Verdict | ""; onChange: (v: Verdict) => void; error?: string | undefined }) {
  return (
    <fieldset className={error ? "field field-invalid radio-group" : "field radio-group"}>
      <legend>Verdict</legend>
      {VERDICTS.map((v) => (
        <label key={v} className="radio-line">
          <input type="radio" name="verdict" value={v} checked={value === v} onChange={() => onChange(v)} /> {VERDICT_LABELS[v]}
        </label>
      ))}
      {error ? <div className="field-error">{error}</div> : null}
    </fieldset>
  );
}

export interface CloseResult {
  status: AlertStatus;
  verdict: Verdict;
  comment: string;
  exception?: ExceptionCreate;
}

/**
 * Resolve or close with a verdict. With one alert and "false positive",
 * offers a rule exception prefilled from what the alert was grouped by
 * (or its first entity), whose conditions can be changed, added to and
 * removed. `warnings`, once the alert is saved, are the server's doubts
 * about the exception's fields: the dialog shows them instead of the form.
 */
export function CloseDialog({
  status,
  alert,
  count,
  pending,
  error,
  onSubmit,
  onCancel,
  warnings,
}: {
  status: AlertStatus;
  /** The one alert; absent for a selection. */
  alert?: TriageAlert | undefined;
  count?: number;
  pending: boolean;
  error: unknown;
  onSubmit: (r: CloseResult) => void;
  onCancel: () => void;
  warnings?: string[] | undefined;
}) {
  const id = useId();
  const [verdict, setVerdict] = useState<Verdict | "">(alert?.verdict || "");
  const [comment, setComment] = useState("");
  const [except, setExcept] = useState(false);
  const conds = useConditionDrafts(alert ? exceptionFromAlert(alert) : []);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const what = alert ? `“${alert.title || alert.rule_title}”` : `${count ?? 0} alert${count === 1 ? "" : "s"}`;
  const verb = status === "closed" ? "Close" : "Resolve";

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!verdict) return setMissing(true);
    const r: CloseResult = { status, verdict, comment: comment.trim() };
    if (alert && verdict === "false_positive" && except) {
      const p = checkDrafts(conds.drafts);
      setProblems(p);
      if (Object.keys(p).length > 0) return;
      r.exception = { conditions: conditionsOf(conds.drafts), reason: reason.trim() || comment.trim() || "False positive" };
    }
    onSubmit(r);
  }

  if (warnings && warnings.length > 0) {
    return (
      <Dialog title={`${verb === "Close" ? "Closed" : "Resolved"} ${what}`} onClose={onCancel}>
        <div className="dialog-body">
          <div className="alert alert-warning" role="status" aria-label="Exception warnings">
            <p>The rule exception was created, but check its fields:</p>
            <ul>
              {warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={onCancel}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={`${verb} ${what}`} onClose={onCancel}>
      <form onSubmit={submit} noValidate className="dialog-body">
        <p className="muted">An alert is resolved or closed with a verdict: what it turned out to be.</p>
        <VerdictChoice value={verdict} onChange={(v) => (setVerdict(v), setMissing(false))} error={missing ? "Choose a verdict." : fieldError(error, "verdict")} />
        <div className="field">
          <label htmlFor={`${id}-comment`}>Comment</label>
          <textarea id={`${id}-comment`} rows={3} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="What you found (kept in the alert's history)" />
        </div>
        {alert && verdict === "false_positive" ? (
          <fieldset className="field exception-offer">
            <legend className="sr-only">Rule exception</legend>
            <label className="check-line">
              <input type="checkbox" checked={except} onChange={(e) => setExcept(e.target.checked)} /> Create a rule exception so that this does not alert again
            </label>
            {except ? (
              <>
                <ConditionsEditor
                  drafts={conds.drafts}
                  onChange={(d) => {
                    conds.setDrafts(d);
                    setProblems({});
                  }}
                  onAdd={conds.add}
                  problems={problems}
                  error={error}
                  prefix="create_exception."
                  labelPrefix="Exception "
                />
                <div className={fieldError(error, "create_exception.reason") ? "field field-invalid" : "field"}>
                  <label htmlFor={`${id}-reason`}>Exception reason</label>
                  <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. the backup server's nightly scan" />
                  {fieldError(error, "create_exception.reason") ? <div className="field-error">{fieldError(error, "create_exception.reason")}</div> : null}
                </div>
              </>
            ) : null}
          </fieldset>
        ) : null}
        <FormAlert error={error} fields={["verdict", "create_exception.reason", ...(except ? conditionErrorFields(conds.drafts, "create_exception.") : [])]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Saving…" : verb}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The patch of a CloseResult. */
export function closePatch(r: CloseResult): AlertTriagePatch {
  const p: AlertTriagePatch = { status: r.status, verdict: r.verdict };
  if (r.comment) p.comment = r.comment;
  if (r.exception) p.create_exception = r.exception;
  return p;
}

type Target = { kind: "user" | "group"; id: string };

/** A user or a work group, as two radio buttons and a select. */
function TargetChoice({ value, onChange, label, allowNobody }: { value: Target; onChange: (t: Target) => void; label: string; allowNobody?: boolean }) {
  const me = useCurrentUser();
  const people = usePeople(me);
  const id = useId();
  const options = value.kind === "user" ? people.users : people.groups;
  return (
    <fieldset className="field">
      <legend>{label}</legend>
      <div className="segmented-radios">
        <label className="radio-line">
          <input type="radio" name={`${id}-kind`} checked={value.kind === "user"} onChange={() => onChange({ kind: "user", id: "" })} /> A person
        </label>
        <label className="radio-line">
          <input type="radio" name={`${id}-kind`} checked={value.kind === "group"} onChange={() => onChange({ kind: "group", id: "" })} /> A work group
        </label>
      </div>
      <label htmlFor={`${id}-who`} className="sr-only">
        {value.kind === "user" ? "Person" : "Work group"}
      </label>
      <select id={`${id}-who`} aria-label={value.kind === "user" ? "Person" : "Work group"} value={value.id} onChange={(e) => onChange({ ...value, id: e.target.value })}>
        <option value="">{allowNobody ? (value.kind === "user" ? "Nobody (unassign)" : "No group") : people.loading ? "Loading…" : "Choose…"}</option>
        {options.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      {value.kind === "user" && !people.fullDirectory ? <div className="field-hint">Listing you and the members of the work groups.</div> : null}
      {value.kind === "group" && !people.loading && people.groups.length === 0 ? <div className="field-hint">The organisation has no work groups yet.</div> : null}
    </fieldset>
  );
}

export function AssignDialog({ what, pending, error, onSubmit, onCancel }: { what: string; pending: boolean; error: unknown; onSubmit: (p: { assignee?: string; assignee_group?: string }) => void; onCancel: () => void }) {
  const [target, setTarget] = useState<Target>({ kind: "user", id: "" });
  return (
    <Dialog title={`Assign ${what}`} onClose={onCancel}>
      <form
        className="dialog-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(target.kind === "user" ? { assignee: target.id } : { assignee_group: target.id });
        }}
      >
        <TargetChoice value={target} onChange={setTarget} label="Assign to" allowNobody />
        <FormAlert error={error} fields={[]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Assigning…" : "Assign"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function EscalateDialog({ what, pending, error, onSubmit, onCancel }: { what: string; pending: boolean; error: unknown; onSubmit: (req: EscalateRequest) => void; onCancel: () => void }) {
  const id = useId();
  const [target, setTarget] = useState<Target>({ kind: "group", id: "" });
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Dialog title={`Escalate ${what}`} onClose={onCancel}>
      <form
        className="dialog-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!target.id) return setProblem(target.kind === "user" ? "Choose the person to escalate to." : "Choose the work group to escalate to.");
          if (!reason.trim()) return setProblem("Say why it needs escalating.");
          setProblem(null);
          onSubmit(target.kind === "user" ? { to_user: target.id, reason: reason.trim() } : { to_group: target.id, reason: reason.trim() });
        }}
      >
        <TargetChoice value={target} onChange={setTarget} label="Escalate to" />
        <div className={fieldError(error, "reason") ? "field field-invalid" : "field"}>
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea id={`${id}-reason`} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="What you found and what you need from them" />
          {fieldError(error, "reason") ? <div className="field-error">{fieldError(error, "reason")}</div> : null}
        </div>
        {problem ? (
          <div className="field-error" role="alert">
            {problem}
          </div>
        ) : null}
        <FormAlert error={error} fields={["reason"]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Escalating…" : "Escalate"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A status for a selection; resolved and closed ask a verdict. */
export function BulkStatusDialog({
  count,
  what,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  count: number;
  /** What is acted on, when not "N alerts" (all alerts matching a filter). */
  what?: string;
  pending: boolean;
  error: unknown;
  onSubmit: (s: AlertStatus, v?: Verdict) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [status, setStatus] = useState<AlertStatus>("in_progress");
  const [verdict, setVerdict] = useState<Verdict | "">("");
  const [missing, setMissing] = useState(false);
  const closing = CLOSING_STATUSES.includes(status);
  return (
    <Dialog title={`Set the status of ${what ?? `${count} alert${count === 1 ? "" : "s"}`}`} onClose={onCancel}>
      <form
        className="dialog-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (closing && !verdict) return setMissing(true);
          onSubmit(status, closing && verdict ? verdict : undefined);
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-status`}>New status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as AlertStatus)}>
            {ALERT_STATUSES.filter((s) => s !== "escalated").map((s) => (
              <option key={s} value={s}>
                {ALERT_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        {closing ? <VerdictChoice value={verdict} onChange={(v) => (setVerdict(v), setMissing(false))} error={missing ? "Choose a verdict." : fieldError(error, "verdict")} /> : null}
        <FormAlert error={error} fields={["verdict"]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            Apply
          </button>
        </div>
      </form>
    </Dialog>
  );
}
