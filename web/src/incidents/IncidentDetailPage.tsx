// One incident (/incidents/:id): its header (severity, status, verdict,
// owner, group, SLA timers with breach warnings) and its sections as tabs:
// Overview, Alerts (link and unlink), Tasks (a checklist; playbooks add
// theirs), Observables (with enrichment), Timeline (automatic and manual
// entries), War room notes, Attachments and Response actions. Changes by
// colleagues arrive live over the "incidents" channel.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useMemo, useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../api/client";
import { LEVELS, LEVEL_LABELS, type Level } from "../api/detection";
import {
  INCIDENT_STATUSES,
  INCIDENT_STATUS_LABELS,
  OBSERVABLE_TYPES,
  TASK_STATUSES,
  TASK_STATUS_LABELS,
  VERDICTS,
  VERDICT_LABELS,
  attachmentProblem,
  socApi,
  socKeys,
  useIncident,
  usePlaybooks,
  useTriageAlerts,
  type IncidentDetail,
  type IncidentPatch,
  type IncidentStatus,
  type Observable,
  type ObservableType,
  type Task,
  type Verdict,
} from "../api/soc";
import type { LiveMessage, Me } from "../api/types";
import { ACTION_INFO, ACTION_STATE_LABELS, ContainmentPanel, handleActionMessage, type ActionTarget } from "../alerts/Containment";
import { StatusBadge } from "../alerts/AlertStatus";
import { VerdictBadge } from "../alerts/TriageDialogs";
import { hasPermission, useCurrentUser } from "../app/session";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { CompactTime, Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { AttachmentList, NotesPanel, handleNoteMessage } from "../warroom/NotesPanel";
import { IncidentStatusBadge, useIncidentsLive } from "./IncidentsPage";
import { usePeople } from "./people";
import { SlaBadge } from "./SlaBadge";
import "../rules/rules.css";
import "../alerts/alerts.css";
import "./soc.css";

const TABS = ["Overview", "Alerts", "Tasks", "Observables", "Timeline", "War room", "Attachments", "Response actions"] as const;
type Tab = (typeof TABS)[number];

export function IncidentDetailPage() {
  const me = useCurrentUser();
  const { id = "" } = useParams();
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Incident</h1>
        </header>
        <AccessDenied area="Incidents" role={me.role} />
      </section>
    );
  }
  return <IncidentView id={id} me={me} />;
}

function IncidentView({ id, me }: { id: string; me: Me }) {
  const incident = useIncident(id);
  const queryClient = useQueryClient();
  useDocumentTitle(incident.data ? `${incident.data.number} ${incident.data.title} · Incidents` : "Incident");
  const live = useIncidentsLive(
    useCallback(
      (msg: LiveMessage) => {
        handleNoteMessage(queryClient, msg);
        handleActionMessage(queryClient, msg);
        const d = msg.data as { id?: string; incident_id?: string; object_type?: string; object_id?: string } | null;
        if (!d) return;
        if (d.id === id || d.incident_id === id || (d.object_type === "incident" && d.object_id === id)) void queryClient.invalidateQueries({ queryKey: socKeys.incident(id) });
      },
      [id, queryClient],
    ),
  );
  if (incident.isPending) {
    return (
      <div className="page-center" role="status">
        Loading the incident…
      </div>
    );
  }
  if (incident.isError && !incident.data) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">{isApiError(incident.error) && incident.error.status === 404 ? "Incident not found" : "Incident"}</h1>
        </header>
        <ErrorMessage error={incident.error} />
        <p>
          <Link to="/incidents">Back to the incidents</Link>
        </p>
      </section>
    );
  }
  if (!incident.data) return null;
  return <IncidentBody inc={incident.data} me={me} live={live} />;
}

/** PATCHes the incident and keeps the detail in the cache current. */
function useIncidentPatch(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: IncidentPatch) => socApi.patchIncident(id, patch),
    onSuccess: (saved) => {
      queryClient.setQueryData<IncidentDetail>(socKeys.incident(id), (old) => (old ? { ...old, ...saved } : old));
      void queryClient.invalidateQueries({ queryKey: socKeys.incident(id) });
      void queryClient.invalidateQueries({ queryKey: ["incidents", "list"] });
    },
  });
}

function useRefresh(id: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: socKeys.incident(id) });
}

function IncidentBody({ inc, me, live }: { inc: IncidentDetail; me: Me; live: string }) {
  const writable = hasPermission(me, "incidents:write");
  const [tab, setTab] = useState<Tab>("Overview");
  const patch = useIncidentPatch(inc.id);
  const people = usePeople(me);
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({ mutationFn: () => socApi.deleteIncident(inc.id), onSuccess: () => navigate("/incidents") });
  const [closing, setClosing] = useState<IncidentStatus | null>(null);
  const tabIds = useId();
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);

  function onTabKey(e: KeyboardEvent<HTMLButtonElement>, i: number) {
    const next = e.key === "ArrowRight" ? (i + 1) % TABS.length : e.key === "ArrowLeft" ? (i - 1 + TABS.length) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setTab(TABS[next] as Tab);
    tabRefs.current[next]?.focus();
  }

  function setStatus(s: IncidentStatus) {
    if ((s === "resolved" || s === "closed") && !inc.verdict) return setClosing(s);
    patch.mutate({ status: s });
  }

  const counts: Partial<Record<Tab, number>> = {
    Alerts: inc.alerts?.length ?? inc.alert_count,
    Tasks: inc.tasks?.length ?? 0,
    Observables: inc.observables?.length ?? 0,
    Timeline: inc.timeline?.length ?? 0,
    Attachments: inc.attachments?.length ?? 0,
  };

  return (
    <section className="page page-wide incident-page" aria-labelledby="page-title">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/incidents">Incidents</Link> <span aria-hidden="true">/</span> <span>{inc.number}</span>
      </nav>
      <header className="page-header page-header-row">
        <div className="rule-heading">
          <h1 id="page-title">
            <span className="muted">{inc.number}</span> {inc.title}
          </h1>
          <div className="rule-meta-line">
            <LevelBadge level={inc.severity} />
            <IncidentStatusBadge status={inc.status} />
            <VerdictBadge verdict={inc.verdict} />
            <SlaBadge sla={inc.sla} acknowledged={inc.acknowledged_at} resolved={inc.resolved_at ?? inc.closed_at} />
            {inc.sla?.ack_breached || inc.sla?.resolve_breached ? (
              <span className="alert-inline-warning" role="alert">
                SLA breached: {[inc.sla.ack_breached ? "acknowledgement" : "", inc.sla.resolve_breached ? "resolution" : ""].filter(Boolean).join(" and ")} late
              </span>
            ) : null}
          </div>
        </div>
        {writable && hasPermission(me, "alerts:delete") ? (
          <div className="page-actions">
            <button type="button" className="btn btn-danger-ghost" onClick={() => setDeleting(true)}>
              Delete incident…
            </button>
          </div>
        ) : null}
      </header>

      <div className="incident-controls" role="group" aria-label="Incident fields">
        <InlineSelect label="Status" value={inc.status} disabled={!writable || patch.isPending} options={INCIDENT_STATUSES.map((s) => ({ value: s, label: INCIDENT_STATUS_LABELS[s] }))} onChange={(v) => setStatus(v as IncidentStatus)} />
        <InlineSelect
          label="Verdict"
          value={inc.verdict}
          disabled={!writable || patch.isPending}
          options={[{ value: "", label: "Not yet" }, ...VERDICTS.map((v) => ({ value: v, label: VERDICT_LABELS[v] }))]}
          onChange={(v) => patch.mutate({ verdict: v as Verdict | "" })}
        />
        <InlineSelect label="Severity" value={inc.severity} disabled={!writable || patch.isPending} options={[...LEVELS].reverse().map((l) => ({ value: l, label: LEVEL_LABELS[l] }))} onChange={(v) => patch.mutate({ severity: v as Level })} />
        <InlineSelect
          label="Owner"
          value={inc.owner}
          disabled={!writable || patch.isPending}
          options={[{ value: "", label: "Nobody" }, ...withCurrent(people.users, inc.owner, inc.owner_email).map((p) => ({ value: p.id, label: p.label }))]}
          onChange={(v) => patch.mutate({ owner: v })}
        />
        <InlineSelect
          label="Work group"
          value={inc.group}
          disabled={!writable || patch.isPending}
          options={[{ value: "", label: "None" }, ...withCurrent(people.groups, inc.group, inc.group_name).map((p) => ({ value: p.id, label: p.label }))]}
          onChange={(v) => patch.mutate({ group: v })}
        />
      </div>
      {patch.isError && !closing ? <ErrorMessage error={patch.error} /> : null}
      {closing ? (
        <Dialog title={`${closing === "closed" ? "Close" : "Resolve"} ${inc.number}`} onClose={() => setClosing(null)}>
          <div className="dialog-body">
            <p>Choose what the incident turned out to be.</p>
            <div className="action-row" role="group" aria-label="Verdict">
              {VERDICTS.map((v) => (
                <button key={v} type="button" className="btn" disabled={patch.isPending} onClick={() => patch.mutate({ status: closing, verdict: v }, { onSuccess: () => setClosing(null) })}>
                  {VERDICT_LABELS[v]}
                </button>
              ))}
            </div>
            {patch.isError ? <ErrorMessage error={patch.error} /> : null}
          </div>
        </Dialog>
      ) : null}

      <div className="tabs" role="tablist" aria-label="Incident sections">
        {TABS.map((t, i) => (
          <button
            key={t}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${tabIds}-${i}`}
            aria-selected={tab === t}
            aria-controls={`${tabIds}-panel`}
            tabIndex={tab === t ? 0 : -1}
            className="tab"
            onClick={() => setTab(t)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t}
            {counts[t] ? <span className="tab-count">{counts[t]}</span> : null}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${tabIds}-panel`} aria-labelledby={`${tabIds}-${TABS.indexOf(tab)}`} className="tab-panel">
        {tab === "Overview" ? <Overview inc={inc} writable={writable} /> : null}
        {tab === "Alerts" ? <AlertsTab inc={inc} writable={writable} /> : null}
        {tab === "Tasks" ? <TasksTab inc={inc} writable={writable} me={me} /> : null}
        {tab === "Observables" ? <ObservablesTab inc={inc} writable={writable} /> : null}
        {tab === "Timeline" ? <TimelineTab inc={inc} writable={writable} /> : null}
        {tab === "War room" ? <NotesPanel type="incident" id={inc.id} title={`${inc.number} ${inc.title}`} writable={writable} liveStatus={live} /> : null}
        {tab === "Attachments" ? <AttachmentsTab inc={inc} writable={writable} /> : null}
        {tab === "Response actions" ? <ContainmentPanel targets={observableTargets(inc.observables ?? [])} incidentId={inc.id} canExecute={hasPermission(me, "response:execute")} /> : null}
      </div>

      {deleting ? (
        <ConfirmDialog title={`Delete ${inc.number}?`} confirmLabel="Delete incident" pending={remove.isPending} error={remove.error} onCancel={() => setDeleting(false)} onConfirm={() => remove.mutate()}>
          <p>The incident, its tasks, observables and timeline are deleted. Its alerts stay, no longer linked to it.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function withCurrent(list: ReadonlyArray<{ id: string; label: string }>, id: string, label: string) {
  if (!id || list.some((p) => p.id === id)) return list;
  return [...list, { id, label: label || id }];
}

function InlineSelect({ label, value, options, onChange, disabled }: { label: string; value: string; options: ReadonlyArray<{ value: string; label: string }>; onChange: (v: string) => void; disabled: boolean }) {
  const id = useId();
  return (
    <div className="field inline-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The containment actions the incident's observables suggest. */
export function observableTargets(obs: readonly Observable[]): ActionTarget[] {
  const map: Partial<Record<ObservableType, ActionTarget["type"]>> = { ip: "block_ip", domain: "block_domain", url: "block_url", email: "block_sender", host: "isolate_host", user: "disable_user" };
  const out: ActionTarget[] = [];
  for (const o of obs) {
    const type = map[o.type];
    if (type && !out.some((x) => x.type === type && x.target === o.value)) out.push({ type, target: o.value });
  }
  return out;
}

function Overview({ inc, writable }: { inc: IncidentDetail; writable: boolean }) {
  const patch = useIncidentPatch(inc.id);
  const [editing, setEditing] = useState(false);
  const [description, setDescription] = useState(inc.description);
  const [tags, setTags] = useState((inc.tags ?? []).join(", "));
  const t = inc.task_counts ?? { todo: 0, in_progress: 0, blocked: 0, done: 0 };
  return (
    <div className="alert-grid">
      <section className="card editor-card" aria-labelledby="inc-about">
        <h2 id="inc-about">About</h2>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              patch.mutate(
                {
                  description,
                  tags: tags
                    .split(",")
                    .map((x) => x.trim())
                    .filter(Boolean),
                },
                { onSuccess: () => setEditing(false) },
              );
            }}
          >
            <div className="field">
              <label htmlFor="inc-desc">Description</label>
              <textarea id="inc-desc" rows={5} value={description} onChange={(e) => setDescription(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="inc-tags">Tags</label>
              <input id="inc-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
            </div>
            {patch.isError ? <ErrorMessage error={patch.error} /> : null}
            <div className="form-actions">
              <button type="button" className="btn" onClick={() => setEditing(false)}>
                Cancel
              </button>
              <button type="submit" className="btn btn-primary" disabled={patch.isPending}>
                Save
              </button>
            </div>
          </form>
        ) : (
          <>
            {inc.description ? <p className="rule-description pre-wrap">{inc.description}</p> : <p className="muted">No description.</p>}
            {inc.tags?.length ? (
              <p>
                {inc.tags.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))}
              </p>
            ) : null}
            {writable ? (
              <button type="button" className="btn btn-small" onClick={() => (setDescription(inc.description), setTags((inc.tags ?? []).join(", ")), setEditing(true))}>
                Edit description and tags
              </button>
            ) : null}
          </>
        )}
      </section>
      <section className="card editor-card" aria-labelledby="inc-facts">
        <h2 id="inc-facts">Facts</h2>
        <dl className="facts">
          <div>
            <dt>Opened</dt>
            <dd>
              <Time value={inc.created_at} /> by {inc.created_by_email || inc.created_by || "EventSec"}
            </dd>
          </div>
          <div>
            <dt>Acknowledged</dt>
            <dd>
              <Time value={inc.acknowledged_at} empty="not yet" />
            </dd>
          </div>
          <div>
            <dt>Ack due</dt>
            <dd>
              <Time value={inc.sla?.ack_due} empty="no SLA" />
              {inc.sla?.ack_breached ? <span className="sla-badge sla-breached"> breached</span> : null}
            </dd>
          </div>
          <div>
            <dt>Resolve due</dt>
            <dd>
              <Time value={inc.sla?.resolve_due} empty="no SLA" />
              {inc.sla?.resolve_breached ? <span className="sla-badge sla-breached"> breached</span> : null}
            </dd>
          </div>
          <div>
            <dt>Resolved</dt>
            <dd>
              <Time value={inc.resolved_at} empty="not yet" />
            </dd>
          </div>
          <div>
            <dt>Closed</dt>
            <dd>
              <Time value={inc.closed_at} empty="not yet" />
            </dd>
          </div>
          <div>
            <dt>Alerts</dt>
            <dd>{inc.alert_count ?? inc.alerts?.length ?? 0}</dd>
          </div>
          <div>
            <dt>Tasks</dt>
            <dd>
              {t.done} done, {t.in_progress} in progress, {t.blocked} blocked, {t.todo} to do
            </dd>
          </div>
        </dl>
      </section>
    </div>
  );
}

function AlertsTab({ inc, writable }: { inc: IncidentDetail; writable: boolean }) {
  const refresh = useRefresh(inc.id);
  const [linking, setLinking] = useState(false);
  const unlink = useMutation({ mutationFn: (alertId: string) => socApi.unlinkAlert(inc.id, alertId), onSuccess: refresh });
  const alerts = inc.alerts ?? [];
  return (
    <section aria-label="Linked alerts">
      <div className="card-head">
        <h2>Alerts</h2>
        {writable ? (
          <button type="button" className="btn btn-small" onClick={() => setLinking(true)}>
            Link alerts…
          </button>
        ) : null}
      </div>
      {unlink.isError ? <ErrorMessage error={unlink.error} /> : null}
      {alerts.length === 0 ? (
        <p className="muted">No alert is linked to this incident.</p>
      ) : (
        <table className="table table-dense" aria-label="Alerts of this incident">
          <thead>
            <tr>
              <th scope="col">Last seen</th>
              <th scope="col">Severity</th>
              <th scope="col">Alert</th>
              <th scope="col">Status</th>
              {writable ? <th scope="col">Unlink</th> : null}
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td className="cell-nowrap">
                  <CompactTime value={a.last_seen} />
                </td>
                <td>
                  <LevelBadge level={a.severity} />
                </td>
                <td>
                  <Link to={`/alerts/${encodeURIComponent(a.id)}`}>{a.title || a.rule_title}</Link>
                </td>
                <td>
                  <StatusBadge status={a.status} /> <VerdictBadge verdict={a.verdict} />
                </td>
                {writable ? (
                  <td>
                    <button type="button" className="btn btn-mini btn-ghost" disabled={unlink.isPending} aria-label={`Unlink ${a.title || a.rule_title}`} onClick={() => unlink.mutate(a.id)}>
                      Unlink
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {linking ? <LinkAlertsDialog inc={inc} onClose={() => setLinking(false)} /> : null}
    </section>
  );
}

function LinkAlertsDialog({ inc, onClose }: { inc: IncidentDetail; onClose: () => void }) {
  const refresh = useRefresh(inc.id);
  const candidates = useTriageAlerts({ incident: "none", status: ["new", "acknowledged", "in_progress", "escalated"], limit: 50 });
  const list = candidates.data?.pages.flatMap((p) => p.alerts) ?? [];
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const link = useMutation({ mutationFn: () => socApi.linkAlerts(inc.id, [...chosen]), onSuccess: () => (void refresh(), onClose()) });
  return (
    <Dialog title={`Link alerts to ${inc.number}`} onClose={onClose} wide>
      <div className="dialog-body">
        <p className="muted">Open alerts not in any incident, newest first.</p>
        {candidates.isError ? <ErrorMessage error={candidates.error} /> : null}
        {candidates.isPending ? (
          <p className="muted">Loading…</p>
        ) : list.length === 0 ? (
          <p className="muted">No open alert outside an incident.</p>
        ) : (
          <ul className="plain-list pick-list">
            {list.map((a) => (
              <li key={a.id}>
                <label className="check-line">
                  <input
                    type="checkbox"
                    checked={chosen.has(a.id)}
                    onChange={(e) => {
                      const n = new Set(chosen);
                      if (e.target.checked) n.add(a.id);
                      else n.delete(a.id);
                      setChosen(n);
                    }}
                  />{" "}
                  <LevelBadge level={a.severity} /> {a.title || a.rule_title} <span className="muted">· <CompactTime value={a.last_seen} /></span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {link.isError ? <ErrorMessage error={link.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={chosen.size === 0 || link.isPending} onClick={() => link.mutate()}>
            Link {chosen.size || ""} alert{chosen.size === 1 ? "" : "s"}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

const TARGET_TYPES: Record<string, ObservableType> = { host: "host", ip: "ip", user: "user", domain: "domain", sender: "email" };

export function TaskChecklist({ tasks, writable, onChanged, me, observables = [] }: { tasks: readonly Task[]; writable: boolean; onChanged: () => void; me: Me; observables?: readonly Observable[] }) {
  const people = usePeople(me);
  const [running, setRunning] = useState<Task | null>(null);
  const canRun = hasPermission(me, "response:execute");
  const save = useMutation({ mutationFn: ({ id, p }: { id: string; p: Parameters<typeof socApi.patchTask>[1] }) => socApi.patchTask(id, p), onSuccess: onChanged });
  const remove = useMutation({ mutationFn: (id: string) => socApi.deleteTask(id), onSuccess: onChanged });
  const sorted = useMemo(() => [...tasks].sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at)), [tasks]);
  if (sorted.length === 0) return <p className="muted">No tasks yet.</p>;
  return (
    <>
      {save.isError ? <ErrorMessage error={save.error} /> : null}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
      <ul className="task-list" aria-label="Tasks">
        {sorted.map((t) => (
          <li key={t.id} className={`task task-${t.status}`}>
            <label className="check-line task-title">
              <input
                type="checkbox"
                checked={t.status === "done"}
                disabled={!writable || save.isPending}
                onChange={(e) => save.mutate({ id: t.id, p: { status: e.target.checked ? "done" : "todo" } })}
              />{" "}
              {t.playbook_step !== null && t.playbook_step !== undefined ? <span className="muted">{t.playbook_step + 1}. </span> : null}
              <span>{t.title}</span>
            </label>
            {t.description ? <p className="muted task-desc">{t.description}</p> : null}
            <div className="task-meta">
              <select aria-label={`Status of ${t.title}`} value={t.status} disabled={!writable} onChange={(e) => save.mutate({ id: t.id, p: { status: e.target.value as Task["status"] } })}>
                {TASK_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {TASK_STATUS_LABELS[s]}
                  </option>
                ))}
              </select>
              <select aria-label={`Assignee of ${t.title}`} value={t.assignee} disabled={!writable} onChange={(e) => save.mutate({ id: t.id, p: { assignee: e.target.value } })}>
                <option value="">Unassigned</option>
                {withCurrent(people.users, t.assignee, t.assignee_email).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
              {t.due_at ? (
                <span className={new Date(t.due_at).getTime() < Date.now() && t.status !== "done" ? "sla-badge sla-breached" : "muted"}>
                  due <Time value={t.due_at} />
                </span>
              ) : null}
              {t.action ? (
                <span className="tag">
                  {(ACTION_INFO as Record<string, { label: string }>)[t.action.type]?.label ?? t.action.type}
                  {t.action.target_from ? ` (${t.action.target_from})` : ""}
                </span>
              ) : null}
              {t.action && canRun && writable && t.status !== "done" ? (
                <button type="button" className="btn btn-mini" onClick={() => setRunning(t)} aria-label={`Run ${t.title}`}>
                  Run…
                </button>
              ) : null}
              {writable ? (
                <button type="button" className="btn btn-mini btn-danger-ghost" aria-label={`Delete task ${t.title}`} onClick={() => remove.mutate(t.id)}>
                  Delete
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
      {running ? (
        <RunTaskDialog
          task={running}
          candidates={observables.filter((o) => o.type === TARGET_TYPES[running.action?.target_from ?? ""]).map((o) => o.value)}
          onClose={() => setRunning(null)}
          onDone={onChanged}
        />
      ) : null}
    </>
  );
}

/** Runs a playbook's automated step against a target (POST /api/v1/tasks/{id}/run) and shows the outcome. */
function RunTaskDialog({ task, candidates, onClose, onDone }: { task: Task; candidates: readonly string[]; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const [target, setTarget] = useState(candidates[0] ?? "");
  const run = useMutation({ mutationFn: () => socApi.runTask(task.id, { target: target.trim() }), onSuccess: onDone });
  const info = (ACTION_INFO as Record<string, (typeof ACTION_INFO)[keyof typeof ACTION_INFO]>)[task.action?.type ?? ""];
  return (
    <Dialog title={`Run: ${task.title}`} onClose={onClose}>
      <div className="dialog-body">
        {run.data ? (
          <p role="status">
            {info?.label ?? task.action?.type} {run.data.action.target}: <span className={`action-state action-${run.data.action.status}`}>{ACTION_STATE_LABELS[run.data.action.status] ?? run.data.action.status}</span>
            {run.data.action.result ? <span className="muted"> {run.data.action.result}</span> : null}
          </p>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-t`}>Target{task.action?.target_from ? ` (${task.action.target_from})` : ""}</label>
              <input id={`${id}-t`} className="mono" list={`${id}-l`} value={target} onChange={(e) => setTarget(e.target.value)} />
              <datalist id={`${id}-l`}>
                {candidates.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </div>
            {info && target.trim() ? <p className="alert alert-warning consequence">{info.consequence(target.trim())}</p> : null}
          </>
        )}
        {run.isError ? <ErrorMessage error={run.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {run.data ? "Close" : "Cancel"}
          </button>
          {run.data ? null : (
            <button type="button" className="btn btn-danger" disabled={!target.trim() || run.isPending} onClick={() => run.mutate()}>
              {info?.label ?? "Run"}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

export function AddTaskForm({ onAdd, me }: { onAdd: (t: { title: string; assignee?: string; due_at?: string }) => Promise<unknown>; me: Me }) {
  const id = useId();
  const people = usePeople(me);
  const [title, setTitle] = useState("");
  const [assignee, setAssignee] = useState("");
  const [due, setDue] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    setPending(true);
    setError(null);
    try {
      const t: { title: string; assignee?: string; due_at?: string } = { title: title.trim() };
      if (assignee) t.assignee = assignee;
      if (due) t.due_at = new Date(due).toISOString();
      await onAdd(t);
      setTitle("");
      setDue("");
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }
  return (
    <form className="add-task form-row" onSubmit={(e) => void submit(e)} aria-label="Add a task">
      <div className="field">
        <label htmlFor={`${id}-t`}>New task</label>
        <input id={`${id}-t`} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Reset the user's password" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-a`}>Assignee</label>
        <select id={`${id}-a`} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">Unassigned</option>
          {people.users.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-d`}>Due</label>
        <input id={`${id}-d`} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending || !title.trim()}>
        Add task
      </button>
      {error ? <div className="field-error" role="alert">{errorText(error)}</div> : null}
    </form>
  );
}

function TasksTab({ inc, writable, me }: { inc: IncidentDetail; writable: boolean; me: Me }) {
  const refresh = useRefresh(inc.id);
  const [applying, setApplying] = useState(false);
  return (
    <section aria-label="Tasks of this incident">
      <div className="card-head">
        <h2>Tasks</h2>
        {writable ? (
          <button type="button" className="btn btn-small" onClick={() => setApplying(true)}>
            Apply playbook…
          </button>
        ) : null}
      </div>
      <TaskChecklist tasks={inc.tasks ?? []} writable={writable} onChanged={() => void refresh()} me={me} observables={inc.observables ?? []} />
      {writable ? <AddTaskForm me={me} onAdd={(t) => socApi.addTask(inc.id, t).then(() => refresh())} /> : null}
      {applying ? <ApplyPlaybookDialog inc={inc} onClose={() => setApplying(false)} /> : null}
    </section>
  );
}

function ApplyPlaybookDialog({ inc, onClose }: { inc: IncidentDetail; onClose: () => void }) {
  const queryClient = useQueryClient();
  const playbooks = usePlaybooks();
  const [chosen, setChosen] = useState("");
  const apply = useMutation({
    mutationFn: () => socApi.applyPlaybook(inc.id, chosen),
    onSuccess: (detail) => {
      queryClient.setQueryData(socKeys.incident(inc.id), detail);
      void queryClient.invalidateQueries({ queryKey: socKeys.incident(inc.id) });
      onClose();
    },
  });
  const list = playbooks.data?.playbooks ?? [];
  const pb = list.find((p) => p.id === chosen);
  return (
    <Dialog title="Apply a playbook" onClose={onClose} wide>
      <div className="dialog-body">
        <p className="muted">Its steps become tasks of {inc.number}.</p>
        {playbooks.isError ? <ErrorMessage error={playbooks.error} /> : null}
        <fieldset className="field radio-group playbook-choice">
          <legend>Playbook</legend>
          {playbooks.isPending ? <p className="muted">Loading the library…</p> : null}
          {list.map((p) => (
            <label key={p.id} className="radio-line">
              <input type="radio" name="playbook" value={p.id} checked={chosen === p.id} onChange={() => setChosen(p.id)} /> <span className="cell-strong">{p.name}</span>{" "}
              <span className="muted">
                {p.category ? `${p.category} · ` : ""}
                {p.steps.length} steps
              </span>
            </label>
          ))}
        </fieldset>
        {pb ? (
          <ol className="playbook-steps" aria-label={`Steps of ${pb.name}`}>
            {pb.steps.map((s, i) => (
              <li key={i}>
                {s.title}
                {s.kind === "action" && s.action ? <span className="tag">{s.action.type}</span> : null}
              </li>
            ))}
          </ol>
        ) : null}
        {apply.isError ? <ErrorMessage error={apply.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={!chosen || apply.isPending} onClick={() => apply.mutate()}>
            Apply playbook
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function enrichmentText(o: Observable): string {
  const e = o.enrichment ?? { sightings: 0 };
  const parts: string[] = [];
  const geo = e.geo;
  if (typeof geo === "string" && geo) parts.push(geo);
  else if (geo && typeof geo === "object") parts.push([geo.city_name, geo.country_name ?? geo.country_iso_code].filter(Boolean).join(", "));
  const asn = e.asn;
  if (typeof asn === "string" || typeof asn === "number") parts.push(`AS${asn}`);
  else if (asn && typeof asn === "object") parts.push([asn.number ? `AS${asn.number}` : "", asn.organization].filter(Boolean).join(" "));
  parts.push(`${e.sightings ?? 0} sighting${e.sightings === 1 ? "" : "s"} in events`);
  if (e.intel?.length) parts.push(`${e.intel.length} threat-intel match${e.intel.length === 1 ? "" : "es"}`);
  return parts.filter(Boolean).join(" · ");
}

function ObservablesTab({ inc, writable }: { inc: IncidentDetail; writable: boolean }) {
  const refresh = useRefresh(inc.id);
  const id = useId();
  const [type, setType] = useState<ObservableType>("ip");
  const [value, setValue] = useState("");
  const [description, setDescription] = useState("");
  const [ioc, setIoc] = useState(false);
  const add = useMutation({
    mutationFn: () => socApi.addObservable(inc.id, { type, value: value.trim(), description: description.trim(), ioc }),
    onSuccess: () => (setValue(""), setDescription(""), setIoc(false), void refresh()),
  });
  const remove = useMutation({ mutationFn: (oid: string) => socApi.deleteObservable(inc.id, oid), onSuccess: () => void refresh() });
  const list = inc.observables ?? [];
  return (
    <section aria-label="Observables">
      <h2>Observables</h2>
      {list.length === 0 ? (
        <p className="muted">No observables yet: add the addresses, domains, hashes, accounts and hosts involved.</p>
      ) : (
        <table className="table table-dense" aria-label="Observables of this incident">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Value</th>
              <th scope="col">IOC</th>
              <th scope="col">Enrichment</th>
              <th scope="col">Description</th>
              {writable ? <th scope="col">Remove</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.map((o) => (
              <tr key={o.id}>
                <td>{o.type}</td>
                <td className="mono">{o.value}</td>
                <td>{o.ioc ? <span className="sla-badge sla-breached">IOC</span> : <span className="muted">—</span>}</td>
                <td>{enrichmentText(o)}</td>
                <td>{o.description || <span className="muted">—</span>}</td>
                {writable ? (
                  <td>
                    <button type="button" className="btn btn-mini btn-ghost" aria-label={`Remove ${o.value}`} onClick={() => remove.mutate(o.id)}>
                      Remove
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
      {writable ? (
        <form
          className="form-row add-observable"
          aria-label="Add an observable"
          onSubmit={(e) => {
            e.preventDefault();
            if (value.trim()) add.mutate();
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-type`}>Type</label>
            <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as ObservableType)}>
              {OBSERVABLE_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className={add.error && isApiError(add.error) && add.error.field === "value" ? "field field-invalid" : "field"}>
            <label htmlFor={`${id}-value`}>Value</label>
            <input id={`${id}-value`} className="mono" value={value} onChange={(e) => setValue(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-desc`}>Description</label>
            <input id={`${id}-desc`} value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <label className="check-line">
            <input type="checkbox" checked={ioc} onChange={(e) => setIoc(e.target.checked)} /> Indicator of compromise
          </label>
          <button type="submit" className="btn btn-primary" disabled={add.isPending || !value.trim()}>
            Add observable
          </button>
          {add.isError ? <ErrorMessage error={add.error} /> : null}
        </form>
      ) : null}
    </section>
  );
}

function TimelineTab({ inc, writable }: { inc: IncidentDetail; writable: boolean }) {
  const refresh = useRefresh(inc.id);
  const [message, setMessage] = useState("");
  const [at, setAt] = useState("");
  const add = useMutation({
    mutationFn: () => socApi.addTimeline(inc.id, at ? { message: message.trim(), at: new Date(at).toISOString() } : { message: message.trim() }),
    onSuccess: () => (setMessage(""), setAt(""), void refresh()),
  });
  const entries = useMemo(() => [...(inc.timeline ?? [])].sort((a, b) => a.at.localeCompare(b.at)), [inc.timeline]);
  return (
    <section aria-label="Timeline">
      <h2>Timeline</h2>
      {entries.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline" aria-label="Timeline, oldest first">
          {entries.map((e) => (
            <li key={e.id} className={`timeline-entry timeline-${e.kind}`}>
              <span className="timeline-when">
                <CompactTime value={e.at} />
              </span>
              <span className="tag">{e.kind === "auto" ? "auto" : "note"}</span> <span>{e.message}</span>
              <span className="muted"> — {e.actor_email || e.actor || "EventSec"}</span>
              {e.detail ? <div className="muted timeline-detail">{e.detail}</div> : null}
            </li>
          ))}
        </ol>
      )}
      {writable ? (
        <form
          className="form-row"
          aria-label="Add a timeline entry"
          onSubmit={(e) => {
            e.preventDefault();
            if (message.trim()) add.mutate();
          }}
        >
          <div className="field grow">
            <label htmlFor="tl-msg">What happened</label>
            <input id="tl-msg" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. User confirmed they did not approve the transfer" />
          </div>
          <div className="field">
            <label htmlFor="tl-at">When (optional)</label>
            <input id="tl-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
          </div>
          <button type="submit" className="btn btn-primary" disabled={add.isPending || !message.trim()}>
            Add entry
          </button>
          {add.isError ? <ErrorMessage error={add.error} /> : null}
        </form>
      ) : null}
    </section>
  );
}

function AttachmentsTab({ inc, writable }: { inc: IncidentDetail; writable: boolean }) {
  const refresh = useRefresh(inc.id);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  async function onFiles(e: ChangeEvent<HTMLInputElement>) {
    const files = [...(e.target.files ?? [])];
    e.target.value = "";
    const bad: string[] = [];
    setBusy(true);
    for (const f of files) {
      const p = attachmentProblem(f);
      if (p) {
        bad.push(p);
        continue;
      }
      try {
        await socApi.uploadAttachment(f, "incident", inc.id);
      } catch (err) {
        bad.push(`${f.name}: ${errorText(err)}`);
      }
    }
    setBusy(false);
    setProblems(bad);
    void refresh();
  }
  const list = inc.attachments ?? [];
  return (
    <section aria-label="Attachments">
      <h2>Attachments</h2>
      {list.length === 0 ? <p className="muted">No attachments.</p> : <AttachmentList attachments={list} />}
      {writable ? (
        <div className="field">
          <label htmlFor="inc-upload">Upload files (images, PDF, text, CSV, JSON, logs, e-mails, ZIP, PCAP; at most 10 MiB each)</label>
          <input id="inc-upload" type="file" multiple disabled={busy} onChange={(e) => void onFiles(e)} />
        </div>
      ) : null}
      {problems.map((p) => (
        <div key={p} className="field-error" role="alert">
          {p}
        </div>
      ))}
    </section>
  );
}
