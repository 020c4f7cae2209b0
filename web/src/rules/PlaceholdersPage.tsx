// Placeholders: the organisation's values for Sigma placeholders (%name%,
// used with the expand modifier). A rule using %known_cdcs% matches any of
// the values set here; one whose placeholder has no values does not run,
// and this page lists those first so that they can be filled in.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { Link } from "react-router";
import { isApiError } from "../api/client";
import { detectionApi, detectionKeys, usePlaceholders, type Placeholder, type PlaceholderRule, type Placeholders } from "../api/detection";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useDocumentTitle } from "../ui/useDocumentTitle";

/** One placeholder being edited: values one per line. */
interface Draft {
  key: number;
  name: string;
  text: string;
  rules: PlaceholderRule[];
}

/** The values typed, one per line: trimmed, blank lines left out. */
export function valuesOf(text: string): string[] {
  return text
    .split("\n")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** "placeholders[2].values[0]" → 2; undefined for other fields. */
export function draftIndexOf(field: string | undefined): number | undefined {
  const m = /^placeholders\[(\d+)\]/.exec(field ?? "");
  return m ? Number(m[1]) : undefined;
}

let nextKey = 1;

function draftsOf(p: Placeholders): Draft[] {
  return p.placeholders.map((x: Placeholder) => ({ key: nextKey++, name: x.name, text: x.values.join("\n"), rules: x.rules }));
}

export function PlaceholdersPage() {
  useDocumentTitle("Placeholders · Rules");
  const me = useCurrentUser();
  const writable = hasPermission(me, "rules:write");
  const query = usePlaceholders();
  const queryClient = useQueryClient();
  // The edits, once there are some; until then the placeholders as stored.
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [saved, setSaved] = useState(false);
  const base = useMemo(() => (query.data ? draftsOf(query.data) : []), [query.data]);

  const save = useMutation({
    mutationFn: (list: Draft[]) => detectionApi.setPlaceholders({ placeholders: list.map((d) => ({ name: d.name.trim(), values: valuesOf(d.text) })) }),
    onSuccess: (answer) => {
      queryClient.setQueryData(detectionKeys.placeholders, answer);
      // Rules may have become runnable (or stopped being).
      void queryClient.invalidateQueries({ queryKey: detectionKeys.allRules });
      setDrafts(null);
      setSaved(true);
    },
  });

  if (query.isPending) {
    return (
      <p className="muted" role="status">
        Loading placeholders…
      </p>
    );
  }
  if (query.isError) return <ErrorMessage error={query.error} />;
  const data = query.data;
  const list = drafts ?? base;
  const dirty = JSON.stringify(list.map((d) => [d.name.trim(), valuesOf(d.text)])) !== JSON.stringify(data.placeholders.map((p) => [p.name, p.values]));
  const errIndex = isApiError(save.error) ? draftIndexOf(save.error.field) : undefined;
  const edit = (key: number, patch: Partial<Draft>) => {
    setSaved(false);
    setDrafts((prev) => (prev ?? base).map((d) => (d.key === key ? { ...d, ...patch } : d)));
  };
  const add = (name: string, rules: PlaceholderRule[] = []) => {
    setSaved(false);
    setDrafts((prev) => [...(prev ?? base), { key: nextKey++, name, text: "", rules }]);
  };
  const missing = data.missing.filter((m) => !list.some((d) => d.name.trim() === m.name));

  return (
    <div className="placeholders">
      <p className="placeholders-intro">
        Sigma rules can name a placeholder such as <code>%known_cdcs%</code> with the <code>expand</code> modifier: it stands for your organisation&apos;s own
        values (domain controllers, admin accounts…), and the rule matches any of them. <code>*</code> and <code>?</code> in a value are wildcards. A rule whose
        placeholder has no values here does not run. Saving recompiles the rules that use them at once.
      </p>

      {missing.length > 0 ? (
        <section className="card placeholder-card" aria-labelledby="missing-title">
          <h2 id="missing-title">Used by rules but without values</h2>
          <ul className="placeholder-rules">
            {missing.map((m) => (
              <li key={m.name}>
                <code>%{m.name}%</code>: {m.rules.length} rule{m.rules.length === 1 ? "" : "s"} not running (
                {m.rules.map((r, i) => (
                  <span key={r.id}>
                    {i > 0 ? ", " : ""}
                    <Link to={`/rules/${encodeURIComponent(r.id)}`}>{r.title || r.id}</Link>
                  </span>
                ))}
                ){" "}
                {writable ? (
                  <button type="button" className="btn btn-small" onClick={() => add(m.name, m.rules)}>
                    Add values for %{m.name}%
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {list.length === 0 ? (
        <p className="muted">No placeholders have values in this organisation.</p>
      ) : (
        list.map((d, i) => (
          <PlaceholderCard
            key={d.key}
            draft={d}
            writable={writable}
            maxValues={data.limits.values}
            error={errIndex === i ? save.error : undefined}
            onChange={(patch) => edit(d.key, patch)}
            onRemove={() => {
              setSaved(false);
              setDrafts((prev) => (prev ?? base).filter((x) => x.key !== d.key));
            }}
          />
        ))
      )}

      {save.isError && errIndex === undefined ? <ErrorMessage error={save.error} /> : null}
      {writable ? (
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => add("")} disabled={list.length >= data.limits.placeholders}>
            Add placeholder
          </button>
          <button type="button" className="btn btn-primary" disabled={!dirty || save.isPending} onClick={() => save.mutate(list)}>
            {save.isPending ? "Saving…" : "Save placeholders"}
          </button>
          {saved && !dirty ? (
            <span className="muted" role="status">
              Saved; the rules using them were recompiled.
            </span>
          ) : null}
        </div>
      ) : (
        <p className="read-only-note">View only: your role cannot change placeholders.</p>
      )}
    </div>
  );
}

function PlaceholderCard({
  draft,
  writable,
  maxValues,
  error,
  onChange,
  onRemove,
}: {
  draft: Draft;
  writable: boolean;
  maxValues: number;
  error: unknown;
  onChange: (patch: Partial<Draft>) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const count = valuesOf(draft.text).length;
  const label = draft.name.trim() ? `%${draft.name.trim()}%` : "New placeholder";
  return (
    <section className="card placeholder-card" aria-label={label}>
      <div className="placeholder-head">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (without the % signs)</label>
          <input id={`${id}-name`} value={draft.name} readOnly={!writable} spellCheck={false} onChange={(e) => onChange({ name: e.target.value.replace(/^%|%$/g, "") })} />
        </div>
        {writable ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={onRemove} aria-label={`Remove ${label}`}>
            Remove
          </button>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-values`}>Values, one per line</label>
        <textarea id={`${id}-values`} value={draft.text} readOnly={!writable} spellCheck={false} onChange={(e) => onChange({ text: e.target.value })} />
        <span className={count > maxValues ? "field-error" : "muted"}>
          {count.toLocaleString()} value{count === 1 ? "" : "s"} (at most {maxValues.toLocaleString()})
        </span>
      </div>
      {error ? (
        <div className="alert alert-error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </div>
      ) : null}
      {draft.rules.length > 0 ? (
        <p className="muted">
          Used by{" "}
          {draft.rules.map((r, i) => (
            <span key={r.id}>
              {i > 0 ? ", " : ""}
              <Link to={`/rules/${encodeURIComponent(r.id)}`}>{r.title || r.id}</Link>
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}
