// The playbook library (/incidents/playbooks): the built-in response
// playbooks and the organisation's own, each with its steps (manual steps
// and containment actions). Custom playbooks are written and removed here
// (incidents:write); an incident applies one from its Tasks tab.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { LEVELS, LEVEL_LABELS, type Level } from "../api/detection";
import { ACTION_TYPES, socApi, socKeys, usePlaybooks, type Playbook, type PlaybookInput, type PlaybookStep } from "../api/soc";
import { hasPermission, useCurrentUser } from "../app/session";
import { ACTION_INFO } from "../alerts/Containment";
import { IncidentsNav } from "../incidents/IncidentsPage";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, fieldError } from "../ui/form";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "../incidents/soc.css";

export function PlaybooksPage() {
  useDocumentTitle("Playbooks · Incidents");
  const me = useCurrentUser();
  const playbooks = usePlaybooks(hasPermission(me, "incidents:read"));
  const [editing, setEditing] = useState<Playbook | "new" | null>(null);
  const [deleting, setDeleting] = useState<Playbook | null>(null);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (p: Playbook) => socApi.deletePlaybook(p.id),
    onSuccess: () => (setDeleting(null), void queryClient.invalidateQueries({ queryKey: socKeys.playbooks })),
  });
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Playbooks</h1>
        </header>
        <AccessDenied area="Playbooks" role={me.role} />
      </section>
    );
  }
  const writable = hasPermission(me, "incidents:write");
  const list = playbooks.data?.playbooks ?? [];
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Playbooks</h1>
          <p className="page-subtitle">Response procedures: applied to an incident, their steps become its tasks.</p>
        </div>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
            New playbook
          </button>
        ) : null}
      </header>
      <IncidentsNav />
      {playbooks.isError ? <ErrorMessage error={playbooks.error} /> : null}
      {playbooks.isPending ? (
        <p className="muted" role="status">
          Loading the library…
        </p>
      ) : list.length === 0 ? (
        <p className="muted">No playbooks.</p>
      ) : (
        <div className="playbook-grid">
          {list.map((p) => (
            <article key={p.id} className="card playbook-card" aria-labelledby={`pb-${p.id}`}>
              <div className="card-head">
                <h2 id={`pb-${p.id}`}>{p.name}</h2>
                <span className="tag">{p.builtin ? "Built-in" : "Custom"}</span>
              </div>
              <p className="muted">
                {p.category ? <span className="cell-strong">{p.category}</span> : null}
                {p.severity_hint ? (
                  <>
                    {" "}
                    · for <LevelBadge level={p.severity_hint} />
                  </>
                ) : null}
              </p>
              {p.description ? <p>{p.description}</p> : null}
              <ol className="playbook-steps" aria-label={`Steps of ${p.name}`}>
                {p.steps.map((s, i) => (
                  <li key={i}>
                    <span className="cell-strong">{s.title}</span>
                    {s.kind === "action" && s.action ? (
                      <span className="tag">
                        {(ACTION_INFO as Record<string, { label: string }>)[s.action.type]?.label ?? s.action.type}
                        {s.action.target_from ? ` (${s.action.target_from})` : ""}
                      </span>
                    ) : null}
                    {s.description ? <div className="muted">{s.description}</div> : null}
                  </li>
                ))}
              </ol>
              {writable && !p.builtin ? (
                <div className="form-actions">
                  <button type="button" className="btn btn-small" onClick={() => setEditing(p)}>
                    Edit
                  </button>
                  <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setDeleting(p)}>
                    Delete
                  </button>
                </div>
              ) : null}
            </article>
          ))}
        </div>
      )}
      {editing ? <PlaybookEditor playbook={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.name}?`} confirmLabel="Delete playbook" pending={remove.isPending} error={remove.error} onCancel={() => setDeleting(null)} onConfirm={() => remove.mutate(deleting)}>
          <p>Incidents it was applied to keep their tasks.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

const EMPTY_STEP: PlaybookStep = { title: "", description: "", kind: "manual" };

function PlaybookEditor({ playbook, onClose }: { playbook: Playbook | null; onClose: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [name, setName] = useState(playbook?.name ?? "");
  const [category, setCategory] = useState(playbook?.category ?? "");
  const [description, setDescription] = useState(playbook?.description ?? "");
  const [severity, setSeverity] = useState<Level | "">(playbook?.severity_hint ?? "");
  const [steps, setSteps] = useState<PlaybookStep[]>(playbook?.steps.length ? playbook.steps : [{ ...EMPTY_STEP }]);
  const save = useMutation({
    mutationFn: () => {
      const body: PlaybookInput = { name: name.trim(), category: category.trim(), description: description.trim(), severity_hint: severity, steps: steps.filter((s) => s.title.trim()) };
      return playbook ? socApi.updatePlaybook(playbook.id, body) : socApi.createPlaybook(body);
    },
    onSuccess: () => (void queryClient.invalidateQueries({ queryKey: socKeys.playbooks }), onClose()),
  });
  const setStep = (i: number, s: Partial<PlaybookStep>) => setSteps(steps.map((x, j) => (j === i ? { ...x, ...s } : x)));
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <Dialog title={playbook ? `Edit ${playbook.name}` : "New playbook"} onClose={onClose} wide>
      <form className="dialog-body" onSubmit={submit} noValidate>
        <div className="form-row">
          <div className={fieldError(save.error, "name") ? "field field-invalid" : "field"}>
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} />
            {fieldError(save.error, "name") ? <div className="field-error">{fieldError(save.error, "name")}</div> : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-cat`}>Category</label>
            <input id={`${id}-cat`} value={category} onChange={(e) => setCategory(e.target.value)} placeholder="e.g. Phishing" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-sev`}>For severity</label>
            <select id={`${id}-sev`} value={severity} onChange={(e) => setSeverity(e.target.value as Level | "")}>
              <option value="">Any</option>
              {[...LEVELS].reverse().map((l) => (
                <option key={l} value={l}>
                  {LEVEL_LABELS[l]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-desc`}>Description</label>
          <textarea id={`${id}-desc`} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <fieldset className="field">
          <legend>Steps</legend>
          <ol className="step-editor">
            {steps.map((s, i) => (
              <li key={i} className="form-row">
                <div className="field grow">
                  <label htmlFor={`${id}-s${i}`}>Step {i + 1}</label>
                  <input id={`${id}-s${i}`} value={s.title} onChange={(e) => setStep(i, { title: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-k${i}`}>Kind of step {i + 1}</label>
                  <select
                    id={`${id}-k${i}`}
                    value={s.kind === "action" ? (s.action?.type ?? "block_ip") : "manual"}
                    onChange={(e) => setStep(i, e.target.value === "manual" ? { kind: "manual", action: undefined } : { kind: "action", action: { type: e.target.value } })}
                  >
                    <option value="manual">Manual step</option>
                    {ACTION_TYPES.map((t) => (
                      <option key={t} value={t}>
                        Action: {ACTION_INFO[t].label}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="button" className="btn btn-mini btn-ghost" aria-label={`Remove step ${i + 1}`} onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                  ×
                </button>
              </li>
            ))}
          </ol>
          <button type="button" className="btn btn-small" onClick={() => setSteps([...steps, { ...EMPTY_STEP }])}>
            Add step
          </button>
        </fieldset>
        <FormAlert error={save.error} fields={["name"]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending || !name.trim()}>
            Save playbook
          </button>
        </div>
      </form>
    </Dialog>
  );
}
