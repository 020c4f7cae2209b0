// A rule's exceptions: events for which every condition of one of them
// holds raise no alert for the rule. Each says who added it, why, and until
// when; an expired one is marked and no longer applies.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { detectionApi, detectionKeys, exceptionConditions, type RuleException } from "../api/detection";
import { fromLocalInput } from "../events/searchState";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, fieldError } from "../ui/form";
import { Time, ZonedHeading } from "../ui/time";
import { ConditionsEditor, OPERATOR_LABELS, checkDrafts, conditionErrorFields, conditionsOf, describeCondition, useConditionDrafts } from "./ExceptionConditions";
import { exceptionOwnerLabel } from "./exceptionOwner";

const FIELDS = ["conditions", "reason", "expires_at"] as const;

export function ExceptionsSection({ ruleId, initial, writable }: { ruleId: string; initial: RuleException[] | undefined; writable: boolean }) {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: detectionKeys.exceptions(ruleId),
    queryFn: ({ signal }) => detectionApi.listExceptions(ruleId, signal).then((r) => r.exceptions ?? []),
    initialData: initial,
  });
  const [removing, setRemoving] = useState<RuleException | null>(null);
  const remove = useMutation({
    mutationFn: (x: RuleException) => detectionApi.deleteException(ruleId, x.id),
    onSuccess: () => {
      setRemoving(null);
      void queryClient.invalidateQueries({ queryKey: detectionKeys.exceptions(ruleId) });
    },
  });
  const items = list.data ?? [];

  return (
    <section className="card editor-card" aria-labelledby="exceptions-title">
      <div className="card-head">
        <h2 id="exceptions-title">Exceptions</h2>
        <span className="muted card-head-note">Events matching an exception raise no alert for this rule.</span>
      </div>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      {list.isPending ? (
        <p className="muted" role="status">
          Loading exceptions…
        </p>
      ) : items.length === 0 ? (
        <p className="muted">No exceptions: every match of this rule raises or updates an alert.</p>
      ) : (
        <div className="table-wrap table-wrap-flat">
          <table className="table table-compact exceptions-table">
            <caption className="sr-only">Exceptions of this rule</caption>
            <thead>
              <tr>
                <th scope="col">Condition</th>
                <th scope="col">Reason</th>
                <th scope="col">Owner</th>
                <th scope="col">
                  <ZonedHeading label="Expires" />
                </th>
                {writable ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr key={x.id} className={x.expired ? "row-muted" : undefined}>
                  <td className="mono-cell">
                    <ConditionList x={x} />
                  </td>
                  <td>{x.reason}</td>
                  <td className="cell-nowrap" title={x.owner_email || undefined}>
                    {exceptionOwnerLabel(x) || <span className="muted">—</span>}
                  </td>
                  <td className="cell-nowrap">
                    {x.expires_at ? <Time value={x.expires_at} /> : <span className="muted">never</span>}
                    {x.expired ? <span className="badge badge-expired">Expired</span> : null}
                  </td>
                  {writable ? (
                    <td className="cell-actions">
                      <button
                        type="button"
                        className="btn btn-small btn-danger-ghost"
                        onClick={() => setRemoving(x)}
                        aria-label={`Delete the exception ${exceptionConditions(x).map(describeCondition).join(" AND ")}`}
                      >
                        Delete
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable ? <AddException ruleId={ruleId} /> : null}
      {removing ? (
        <ConfirmDialog
          title="Delete this exception?"
          confirmLabel="Delete exception"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(removing)}
          onCancel={() => {
            setRemoving(null);
            remove.reset();
          }}
        >
          <p>
            Events where <code>{exceptionConditions(removing).map(describeCondition).join(" AND ")}</code> will raise alerts again.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** An exception's conditions, one a line, joined by AND. */
function ConditionList({ x }: { x: RuleException }) {
  const conds = exceptionConditions(x);
  return (
    <ul className="exception-condition-list" aria-label="Conditions">
      {conds.map((c, i) => (
        <li key={i}>
          {i > 0 ? <span className="exception-and-inline">AND </span> : null}
          {c.field} <span className="muted">{OPERATOR_LABELS[c.operator] ?? c.operator}</span>
          {c.values ? ` ${c.values.join(", ")}` : c.value ? ` ${c.value}` : null}
        </li>
      ))}
    </ul>
  );
}

function AddException({ ruleId }: { ruleId: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const conds = useConditionDrafts();
  const [reason, setReason] = useState("");
  const [expires, setExpires] = useState("");
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [warnings, setWarnings] = useState<string[]>([]);
  const add = useMutation({
    mutationFn: () => {
      const expiresAt = fromLocalInput(expires);
      return detectionApi.createException(ruleId, {
        conditions: conditionsOf(conds.drafts),
        reason: reason.trim(),
        ...(expiresAt ? { expires_at: expiresAt } : {}),
      });
    },
    onSuccess: (created) => {
      conds.reset();
      setReason("");
      setExpires("");
      setWarnings(created.warnings ?? []);
      void queryClient.invalidateQueries({ queryKey: detectionKeys.exceptions(ruleId) });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = checkDrafts(conds.drafts);
    if (!reason.trim()) m.reason = "Give a reason: it tells the next analyst why these events raise no alert.";
    if (expires && !fromLocalInput(expires)) m.expires_at = "Not a valid date and time.";
    else if (expires && (fromLocalInput(expires) ?? "") <= new Date().toISOString()) m.expires_at = "Pick a time in the future, or leave it empty.";
    setMissing(m);
    setWarnings([]);
    if (Object.keys(m).length > 0) return;
    add.mutate();
  }

  const err = (f: (typeof FIELDS)[number]) => missing[f] ?? fieldError(add.error, f);

  return (
    <form className="exception-form" onSubmit={submit} aria-label="Add an exception" noValidate>
      <h3 className="exception-form-title">Add an exception</h3>
      <ConditionsEditor
        drafts={conds.drafts}
        onChange={(d) => {
          conds.setDrafts(d);
          setMissing({});
        }}
        onAdd={conds.add}
        problems={missing}
        error={add.error}
      />
      <div className="exception-grid">
        <Field id={`${id}-reason`} label="Reason" error={err("reason")} wide>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="The nightly backup job logs in as this account from the backup server"
            aria-invalid={err("reason") ? true : undefined}
            aria-describedby={err("reason") ? `${id}-reason-error` : undefined}
            required
          />
        </Field>
        <Field id={`${id}-expires`} label="Expires (optional)" error={err("expires_at")}>
          <input
            id={`${id}-expires`}
            type="datetime-local"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
            aria-invalid={err("expires_at") ? true : undefined}
            aria-describedby={err("expires_at") ? `${id}-expires-error` : undefined}
          />
        </Field>
        <div className="exception-submit">
          <button type="submit" className="btn btn-primary" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add exception"}
          </button>
        </div>
      </div>
      {missing.conditions || fieldError(add.error, "conditions") ? <div className="field-error">{missing.conditions ?? fieldError(add.error, "conditions")}</div> : null}
      <FormAlert error={add.error} fields={[...FIELDS, ...conditionErrorFields(conds.drafts)]} />
      {warnings.length > 0 ? (
        <div className="alert alert-warning" role="status" aria-label="Exception warnings">
          <p>The exception was added, but check its fields:</p>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}

function Field({ id, label, error, wide, children }: { id: string; label: string; error?: string | undefined; wide?: boolean; children: ReactNode }) {
  return (
    <div className={`${error ? "field field-invalid" : "field"}${wide ? " exception-wide" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}
