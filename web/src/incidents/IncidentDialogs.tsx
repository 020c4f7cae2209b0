// Creating an incident (from scratch, or from alerts chosen in the queue or
// on an alert's page) and adding alerts to an incident already open.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { LEVELS, LEVEL_LABELS, type Level } from "../api/detection";
import { socApi, socKeys, useIncidents, usePlaybooks, type IncidentCreate, type IncidentDetail } from "../api/soc";
import { useCurrentUser } from "../app/session";
import { Dialog } from "../ui/Dialog";
import { FormAlert, fieldError } from "../ui/form";
import { usePeople } from "./people";

const SEVERITIES = [...LEVELS].reverse();

export function CreateIncidentDialog({
  alertIds = [],
  defaults,
  onClose,
  onCreated,
}: {
  alertIds?: readonly string[];
  defaults?: { title?: string; severity?: Level };
  onClose: () => void;
  onCreated?: (inc: IncidentDetail) => void;
}) {
  const id = useId();
  const me = useCurrentUser();
  const people = usePeople(me);
  const playbooks = usePlaybooks();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState(defaults?.title ?? "");
  const [description, setDescription] = useState("");
  const [severity, setSeverity] = useState<Level>(defaults?.severity ?? "medium");
  const [owner, setOwner] = useState(me.id);
  const [group, setGroup] = useState("");
  const [tags, setTags] = useState("");
  const [playbook, setPlaybook] = useState("");
  const create = useMutation({
    mutationFn: () => {
      const req: IncidentCreate = { title: title.trim(), severity };
      if (description.trim()) req.description = description.trim();
      if (owner) req.owner = owner;
      if (group) req.group = group;
      const t = tags
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);
      if (t.length) req.tags = t;
      if (alertIds.length) req.alert_ids = [...alertIds];
      if (playbook) req.playbook_id = playbook;
      return socApi.createIncident(req);
    },
    onSuccess: (inc) => {
      void queryClient.invalidateQueries({ queryKey: socKeys.allIncidents });
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
      onCreated?.(inc);
      navigate(`/incidents/${encodeURIComponent(inc.id)}`);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }

  return (
    <Dialog title={alertIds.length ? `New incident from ${alertIds.length} alert${alertIds.length === 1 ? "" : "s"}` : "New incident"} onClose={onClose} wide>
      <form className="dialog-body" onSubmit={submit} noValidate>
        <div className={fieldError(create.error, "title") ? "field field-invalid" : "field"}>
          <label htmlFor={`${id}-title`}>Title</label>
          <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} required />
          {fieldError(create.error, "title") ? <div className="field-error">{fieldError(create.error, "title")}</div> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-desc`}>Description</label>
          <textarea id={`${id}-desc`} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-sev`}>Severity</label>
            <select id={`${id}-sev`} value={severity} onChange={(e) => setSeverity(e.target.value as Level)}>
              {SEVERITIES.map((l) => (
                <option key={l} value={l}>
                  {LEVEL_LABELS[l]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-owner`}>Owner</label>
            <select id={`${id}-owner`} value={owner} onChange={(e) => setOwner(e.target.value)}>
              <option value="">Nobody yet</option>
              {people.users.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-group`}>Work group</label>
            <select id={`${id}-group`} value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">No group</option>
              {people.groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-tags`}>Tags</label>
            <input id={`${id}-tags`} value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma-separated, e.g. phishing, finance" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-pb`}>Playbook</label>
            <select id={`${id}-pb`} value={playbook} onChange={(e) => setPlaybook(e.target.value)}>
              <option value="">None (add tasks later)</option>
              {(playbooks.data?.playbooks ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <FormAlert error={create.error} fields={["title"]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending || title.trim() === ""}>
            {create.isPending ? "Creating…" : "Create incident"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Adds alerts to an open incident, or starts a new one with them. */
export function AddToIncidentDialog({ alertIds, defaults, onClose, onDone }: { alertIds: readonly string[]; defaults?: { title?: string; severity?: Level }; onClose: () => void; onDone?: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [mode, setMode] = useState<"existing" | "new">("existing");
  const [chosen, setChosen] = useState("");
  const incidents = useIncidents({ limit: 100 });
  const open = useMemo(() => (incidents.data?.pages.flatMap((p) => p.incidents) ?? []).filter((i) => i.status !== "closed" && i.status !== "resolved"), [incidents.data]);
  const link = useMutation({
    mutationFn: () => socApi.linkAlerts(chosen, [...alertIds]),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: socKeys.allIncidents });
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
      onDone?.();
      navigate(`/incidents/${encodeURIComponent(chosen)}`);
    },
  });
  if (mode === "new") return <CreateIncidentDialog alertIds={alertIds} {...(defaults ? { defaults } : {})} onClose={onClose} onCreated={() => onDone?.()} />;
  return (
    <Dialog title="Add to an incident" onClose={onClose}>
      <form
        className="dialog-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) link.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-inc`}>Open incident</label>
          <select id={`${id}-inc`} value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">{incidents.isPending ? "Loading…" : open.length ? "Choose…" : "No open incident"}</option>
            {open.map((i) => (
              <option key={i.id} value={i.id}>
                {i.number} {i.title}
              </option>
            ))}
          </select>
        </div>
        <FormAlert error={link.error ?? incidents.error} fields={[]} />
        <div className="dialog-actions">
          <button type="button" className="btn btn-ghost" onClick={() => setMode("new")}>
            Create a new incident instead
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!chosen || link.isPending}>
            Add to incident
          </button>
        </div>
      </form>
    </Dialog>
  );
}
