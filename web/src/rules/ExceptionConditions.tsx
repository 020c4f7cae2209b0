// The conditions of a rule exception, all of which must hold for a match
// to be suppressed: a field, an operator and its value (a list for "is one
// of", none for "exists"). The rule editor's exception form and the
// alert's resolve dialog both edit them here.

import { Fragment, useId, useRef, useState } from "react";
import { FieldShell } from "../ui/form";
import { LIST_OPERATORS, MAX_EXCEPTION_CONDITIONS, NO_VALUE_OPERATORS, EXCEPTION_OPERATORS, type ExceptionCondition, type ExceptionOperator } from "../api/detection";
import { isApiError } from "../api/client";
import "./exceptionConditions.css";

/** What the operators read as, after Elastic Security's exception builder. */
export const OPERATOR_LABELS: Record<ExceptionOperator, string> = {
  equals: "is",
  not_equals: "is not",
  in: "is one of",
  not_in: "is not one of",
  contains: "contains",
  startswith: "starts with",
  endswith: "ends with",
  wildcard: "matches (wildcard)",
  regex: "matches regex",
  cidr: "in CIDR range",
  exists: "exists",
  not_exists: "does not exist",
};

/** A condition being edited: `values` is the list as typed, one value a line. */
export interface ConditionDraft {
  key: number;
  field: string;
  operator: ExceptionOperator;
  value: string;
  values: string;
}

/** The lines of a values box, trimmed, without empty ones. */
export function splitValues(text: string): string[] {
  return text
    .split("\n")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** The conditions to send: each operator with what it takes. */
export function conditionsOf(drafts: readonly ConditionDraft[]): ExceptionCondition[] {
  return drafts.map((d) => {
    const c: ExceptionCondition = { field: d.field.trim(), operator: d.operator };
    if (LIST_OPERATORS.includes(d.operator)) c.values = splitValues(d.values);
    else if (!NO_VALUE_OPERATORS.includes(d.operator)) c.value = d.value;
    return c;
  });
}

const FIELD_NAME = /^[\p{L}\p{N}_.@-]+$/u;

/** The problems the browser can see, keyed as the server names them (conditions[1].value). */
export function checkDrafts(drafts: readonly ConditionDraft[]): Record<string, string> {
  const out: Record<string, string> = {};
  drafts.forEach((d, i) => {
    const at = `conditions[${i}]`;
    const field = d.field.trim();
    if (!field) out[`${at}.field`] = "Name the event field, e.g. user.name.";
    else if (!FIELD_NAME.test(field)) out[`${at}.field`] = "Field names have letters, digits and _ . @ - only (no spaces).";
    if (LIST_OPERATORS.includes(d.operator)) {
      if (splitValues(d.values).length === 0) out[`${at}.values`] = "Give at least one value, one a line.";
    } else if (!NO_VALUE_OPERATORS.includes(d.operator) && d.value === "") out[`${at}.value`] = "Give the value to except.";
  });
  return out;
}

/** The drafts of conditions, with a key each for React. */
export function useConditionDrafts(initial: readonly ExceptionCondition[] = []) {
  const next = useRef(0);
  const draftOf = (c?: ExceptionCondition): ConditionDraft => ({
    key: next.current++,
    field: c?.field ?? "",
    operator: c?.operator ?? "equals",
    value: c?.value ?? "",
    values: (c?.values ?? []).join("\n"),
  });
  const [drafts, setDrafts] = useState<ConditionDraft[]>(() => (initial.length > 0 ? initial.map((c) => draftOf(c)) : [draftOf()]));
  return {
    drafts,
    setDrafts,
    add: () => setDrafts((ds) => (ds.length >= MAX_EXCEPTION_CONDITIONS ? ds : [...ds, draftOf()])),
    reset: () => setDrafts([draftOf()]),
  };
}

/** The server's error fields a ConditionsEditor shows next to its inputs (for FormAlert). */
export function conditionErrorFields(drafts: readonly ConditionDraft[], prefix = ""): string[] {
  const out: string[] = [];
  drafts.forEach((d, i) => {
    for (const f of ["field", "operator", "value", "values"]) out.push(`${prefix}conditions[${i}].${f}`);
    splitValues(d.values).forEach((_, j) => out.push(`${prefix}conditions[${i}].values[${j}]`));
  });
  return out;
}

/** The server's message for a condition's input (values[j] counts as values). */
function serverError(error: unknown, name: string): string | undefined {
  if (!isApiError(error) || !error.field) return undefined;
  if (error.field === name || (name.endsWith(".values") && error.field.startsWith(`${name}[`))) return error.message;
  return undefined;
}

export function ConditionsEditor({
  drafts,
  onChange,
  onAdd,
  problems,
  error,
  prefix = "",
  labelPrefix = "",
}: {
  drafts: ConditionDraft[];
  onChange: (drafts: ConditionDraft[]) => void;
  onAdd: () => void;
  /** The browser's own findings (checkDrafts). */
  problems: Record<string, string>;
  /** The server's answer, whose field may name a condition. */
  error: unknown;
  /** How the server names the conditions' parent ("create_exception."). */
  prefix?: string;
  /** Put before each input's label ("Exception "). */
  labelPrefix?: string;
}) {
  const id = useId();
  const set = (i: number, patch: Partial<ConditionDraft>) => onChange(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const label = (s: string) => (labelPrefix ? labelPrefix + s.toLowerCase() : s);

  return (
    <div className="exception-conditions">
      {drafts.map((d, i) => {
        const at = `conditions[${i}]`;
        const err = (f: string) => problems[`${at}.${f}`] ?? serverError(error, `${prefix}${at}.${f}`);
        const base = `${id}-${d.key}`;
        const list = LIST_OPERATORS.includes(d.operator);
        const none = NO_VALUE_OPERATORS.includes(d.operator);
        return (
          <Fragment key={d.key}>
            {i > 0 ? (
              <div className="exception-and" aria-hidden="true">
                AND
              </div>
            ) : null}
            <div role="group" aria-label={`Condition ${i + 1}`} className="exception-condition">
              <FieldShell id={`${base}-field`} label={label("Field")} error={err("field")}>
                <input
                  id={`${base}-field`}
                  className="mono"
                  value={d.field}
                  onChange={(e) => set(i, { field: e.target.value })}
                  placeholder="user.name"
                  spellCheck={false}
                  aria-invalid={err("field") ? true : undefined}
                  aria-describedby={err("field") ? `${base}-field-error` : undefined}
                />
              </FieldShell>
              <FieldShell id={`${base}-operator`} label={label("Operator")} error={err("operator")}>
                <select id={`${base}-operator`} value={d.operator} onChange={(e) => set(i, { operator: e.target.value as ExceptionOperator })}>
                  {EXCEPTION_OPERATORS.map((o) => (
                    <option key={o} value={o}>
                      {OPERATOR_LABELS[o]}
                    </option>
                  ))}
                </select>
              </FieldShell>
              {list ? (
                <FieldShell id={`${base}-values`} label={label("Values")} error={err("values")} hint="One a line.">
                  <textarea
                    id={`${base}-values`}
                    className="mono"
                    rows={Math.min(6, Math.max(2, d.values.split("\n").length))}
                    value={d.values}
                    onChange={(e) => set(i, { values: e.target.value })}
                    placeholder={"svc_backup\nsvc_sync"}
                    spellCheck={false}
                    aria-invalid={err("values") ? true : undefined}
                    aria-describedby={err("values") ? `${base}-values-error` : `${base}-values-hint`}
                  />
                </FieldShell>
              ) : none ? (
                <div className="field exception-novalue">
                  <span className="muted">No value: the field {d.operator === "exists" ? "has" : "has no"} a value.</span>
                </div>
              ) : (
                <FieldShell id={`${base}-value`} label={label("Value")} error={err("value")}>
                  <input
                    id={`${base}-value`}
                    className="mono"
                    value={d.value}
                    onChange={(e) => set(i, { value: e.target.value })}
                    placeholder={placeholderFor(d.operator)}
                    spellCheck={false}
                    aria-invalid={err("value") ? true : undefined}
                    aria-describedby={err("value") ? `${base}-value-error` : undefined}
                  />
                </FieldShell>
              )}
              <div className="exception-remove">
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  onClick={() => onChange(drafts.filter((_, j) => j !== i))}
                  disabled={drafts.length === 1}
                  aria-label={`Remove condition ${i + 1}`}
                >
                  Remove
                </button>
              </div>
            </div>
          </Fragment>
        );
      })}
      <div className="exception-add">
        <button type="button" className="btn btn-small" onClick={onAdd} disabled={drafts.length >= MAX_EXCEPTION_CONDITIONS}>
          Add condition
        </button>
        <span className="muted">
          {drafts.length >= MAX_EXCEPTION_CONDITIONS ? `At most ${MAX_EXCEPTION_CONDITIONS} conditions.` : "All conditions must hold for an event to be excepted."}
        </span>
      </div>
    </div>
  );
}

function placeholderFor(op: ExceptionOperator): string {
  switch (op) {
    case "cidr":
      return "10.0.0.0/8";
    case "wildcard":
      return "C:\\\\Tools\\\\*.exe";
    case "regex":
      return "^svc_[a-z]+$";
    default:
      return "svc_backup";
  }
}

/** A condition as one line of text: user.name is one of svc_backup, svc_sync. */
export function describeCondition(c: ExceptionCondition): string {
  const op = OPERATOR_LABELS[c.operator] ?? c.operator;
  if (NO_VALUE_OPERATORS.includes(c.operator)) return `${c.field} ${op}`;
  if (LIST_OPERATORS.includes(c.operator)) return `${c.field} ${op} ${(c.values ?? []).join(", ")}`;
  return `${c.field} ${op} ${c.value ?? ""}`;
}
