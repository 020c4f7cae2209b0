// Workplans (/workplans): the team's plans of work, each a board of tasks
// in four columns (to do, in progress, blocked, done). A card moves with its
// buttons, with the keyboard (arrow keys on a focused card: left and right
// change its column, up and down its place) or by dragging; each move
// PATCHes the task's status and position. Plans link the alerts and
// incidents they are about. The plan shown is kept in the URL (?plan=).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState, type DragEvent, type FormEvent, type KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { TASK_STATUS_LABELS, socApi, socKeys, useIncidents, useWorkplan, useWorkplans, type Task, type TaskStatus, type Workplan, type WorkplanLink } from "../api/soc";
import type { Me } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { AddTaskForm } from "../incidents/IncidentDetailPage";
import { usePeople } from "../incidents/people";
import { AccessDenied } from "../ui/AccessDenied";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "../incidents/soc.css";

export const BOARD_COLUMNS: readonly TaskStatus[] = ["todo", "in_progress", "blocked", "done"];

/** The tasks of a column in board order. */
export function columnTasks(tasks: readonly Task[], status: TaskStatus): Task[] {
  return tasks.filter((t) => (status === "done" ? t.status === "done" || t.status === "skipped" : t.status === status)).sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at));
}

/**
 * The PATCHes that move `task` one step: to the neighbouring column (at its
 * end) or up/down within its column (swapping places with the neighbour).
 */
export function moveFor(tasks: readonly Task[], task: Task, dir: "left" | "right" | "up" | "down"): Array<{ id: string; patch: { status?: TaskStatus; position: number } }> {
  const col = BOARD_COLUMNS.indexOf(task.status === "skipped" ? "done" : task.status);
  if (dir === "left" || dir === "right") {
    const to = BOARD_COLUMNS[col + (dir === "left" ? -1 : 1)];
    if (!to) return [];
    const last = columnTasks(tasks, to).at(-1);
    return [{ id: task.id, patch: { status: to, position: last ? last.position + 1 : 0 } }];
  }
  const list = columnTasks(tasks, BOARD_COLUMNS[col] as TaskStatus);
  const i = list.findIndex((t) => t.id === task.id);
  const other = list[i + (dir === "up" ? -1 : 1)];
  if (!other) return [];
  // Equal positions (never set) swap by index instead.
  const a = other.position === task.position ? i + (dir === "up" ? -1 : 1) : other.position;
  const b = other.position === task.position ? i : task.position;
  return [
    { id: task.id, patch: { position: a } },
    { id: other.id, patch: { position: b } },
  ];
}

export function WorkplansPage() {
  useDocumentTitle("Workplans");
  const me = useCurrentUser();
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Workplans</h1>
        </header>
        <AccessDenied area="Workplans" role={me.role} />
      </section>
    );
  }
  return <Workplans me={me} />;
}

function Workplans({ me }: { me: Me }) {
  const plans = useWorkplans();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const writable = hasPermission(me, "incidents:write");
  const list = plans.data?.workplans ?? [];
  const chosen = params.get("plan") ?? list.find((p) => p.status === "active")?.id ?? list[0]?.id ?? "";
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Workplans</h1>
          <p className="page-subtitle">Plans of work for the team: tasks with owners and due dates, on a board.</p>
        </div>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            New workplan
          </button>
        ) : null}
      </header>
      {plans.isError ? <ErrorMessage error={plans.error} /> : null}
      {plans.isPending ? (
        <p className="muted" role="status">
          Loading workplans…
        </p>
      ) : list.length === 0 ? (
        <div className="empty empty-left">
          <p className="empty-title">No workplans yet.</p>
          <p>A workplan gathers the tasks of a piece of work (a campaign to clean up, an audit, a migration) with who does what by when.</p>
        </div>
      ) : (
        <>
          <nav className="tabs" aria-label="Workplans">
            {list.map((p) => (
              <button key={p.id} type="button" className="tab" aria-current={p.id === chosen ? "page" : undefined} onClick={() => setParams({ plan: p.id })}>
                {p.title}
                {p.status !== "active" ? <span className="muted"> ({p.status})</span> : null}
              </button>
            ))}
          </nav>
          {chosen ? <Board id={chosen} me={me} writable={writable} /> : null}
        </>
      )}
      {creating ? <CreateWorkplanDialog me={me} onClose={() => setCreating(false)} onCreated={(p) => (setCreating(false), setParams({ plan: p.id }))} /> : null}
    </section>
  );
}

function Board({ id, me, writable }: { id: string; me: Me; writable: boolean }) {
  const plan = useWorkplan(id);
  const queryClient = useQueryClient();
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: socKeys.workplan(id) }), queryClient.invalidateQueries({ queryKey: socKeys.workplans })]);
  const move = useMutation({
    mutationFn: async (moves: Array<{ id: string; patch: { status?: TaskStatus; position: number } }>) => {
      for (const m of moves) await socApi.patchTask(m.id, m.patch);
    },
    onMutate: (moves) => {
      // Show the move at once; the server's answer replaces it.
      queryClient.setQueryData<Workplan>(socKeys.workplan(id), (old) => (old ? { ...old, tasks: old.tasks.map((t) => ({ ...t, ...moves.find((m) => m.id === t.id)?.patch })) } : old));
    },
    onSettled: () => void refresh(),
  });
  const status = useMutation({ mutationFn: (s: Workplan["status"]) => socApi.patchWorkplan(id, { status: s }), onSuccess: () => void refresh() });
  const [dragging, setDragging] = useState<string | null>(null);
  if (plan.isPending) return <p className="muted">Loading the board…</p>;
  if (plan.isError) return <ErrorMessage error={plan.error} />;
  const p = plan.data;
  const tasks = p.tasks ?? [];

  function onKey(e: KeyboardEvent<HTMLElement>, t: Task) {
    const dir = ({ ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" } as const)[e.key as "ArrowLeft"];
    if (!dir || !writable) return;
    e.preventDefault();
    const moves = moveFor(tasks, t, dir);
    if (moves.length) move.mutate(moves, { onSettled: () => requestAnimationFrame(() => document.getElementById(`card-${t.id}`)?.focus()) });
  }
  function onDrop(e: DragEvent<HTMLElement>, to: TaskStatus) {
    e.preventDefault();
    const t = tasks.find((x) => x.id === (dragging ?? e.dataTransfer.getData("text/plain")));
    setDragging(null);
    if (!t || t.status === to) return;
    const last = columnTasks(tasks, to).at(-1);
    move.mutate([{ id: t.id, patch: { status: to, position: last ? last.position + 1 : 0 } }]);
  }

  return (
    <section aria-label={`Workplan ${p.title}`} className="workplan">
      <div className="workplan-head">
        <div>
          {p.description ? <p>{p.description}</p> : null}
          <p className="muted">
            Owner {p.owner ? (p.owner === me.id ? "you" : p.owner_email || p.owner) : "nobody"}
            {p.due_at ? (
              <>
                {" "}
                · due <Time value={p.due_at} />
              </>
            ) : null}{" "}
            · {p.status}
          </p>
          {p.links?.length ? <LinkList links={p.links} /> : null}
        </div>
        {writable ? (
          <div className="page-actions">
            {p.status === "active" ? (
              <button type="button" className="btn btn-small" onClick={() => status.mutate("done")}>
                Mark plan done
              </button>
            ) : (
              <button type="button" className="btn btn-small" onClick={() => status.mutate("active")}>
                Reopen plan
              </button>
            )}
            {p.status !== "archived" ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => status.mutate("archived")}>
                Archive
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      {move.isError ? <ErrorMessage error={move.error} /> : null}
      {status.isError ? <ErrorMessage error={status.error} /> : null}
      {writable ? <p className="muted board-hint">Move a card with its arrows, or focus it and use the arrow keys (left/right: column, up/down: order); cards can be dragged too.</p> : null}
      <div className="board">
        {BOARD_COLUMNS.map((col, ci) => {
          const cards = columnTasks(tasks, col);
          return (
            <section key={col} className="board-column" aria-label={`${TASK_STATUS_LABELS[col]} (${cards.length})`} onDragOver={(e) => writable && e.preventDefault()} onDrop={(e) => writable && onDrop(e, col)}>
              <h2 className="board-column-title">
                {TASK_STATUS_LABELS[col]} <span className="muted">{cards.length}</span>
              </h2>
              <ul className="plain-list board-cards">
                {cards.map((t, i) => (
                  <li
                    key={t.id}
                    id={`card-${t.id}`}
                    className="board-card"
                    tabIndex={0}
                    aria-label={`${t.title}, ${TASK_STATUS_LABELS[t.status]}`}
                    draggable={writable}
                    onDragStart={(e) => (setDragging(t.id), e.dataTransfer.setData("text/plain", t.id))}
                    onKeyDown={(e) => onKey(e, t)}
                  >
                    <span className="cell-strong">{t.title}</span>
                    <span className="muted board-card-meta">
                      {t.assignee ? (t.assignee === me.id ? "You" : t.assignee_email || t.assignee) : "Unassigned"}
                      {t.due_at ? (
                        <>
                          {" "}
                          · due <Time value={t.due_at} />
                        </>
                      ) : null}
                    </span>
                    {writable ? (
                      <span className="board-card-moves">
                        <button type="button" className="btn btn-mini btn-ghost" disabled={ci === 0 || move.isPending} aria-label={`Move ${t.title} to ${TASK_STATUS_LABELS[BOARD_COLUMNS[ci - 1] ?? col]}`} onClick={() => move.mutate(moveFor(tasks, t, "left"))}>
                          ←
                        </button>
                        <button type="button" className="btn btn-mini btn-ghost" disabled={i === 0 || move.isPending} aria-label={`Move ${t.title} up`} onClick={() => move.mutate(moveFor(tasks, t, "up"))}>
                          ↑
                        </button>
                        <button type="button" className="btn btn-mini btn-ghost" disabled={i === cards.length - 1 || move.isPending} aria-label={`Move ${t.title} down`} onClick={() => move.mutate(moveFor(tasks, t, "down"))}>
                          ↓
                        </button>
                        <button
                          type="button"
                          className="btn btn-mini btn-ghost"
                          disabled={ci === BOARD_COLUMNS.length - 1 || move.isPending}
                          aria-label={`Move ${t.title} to ${TASK_STATUS_LABELS[BOARD_COLUMNS[ci + 1] ?? col]}`}
                          onClick={() => move.mutate(moveFor(tasks, t, "right"))}
                        >
                          →
                        </button>
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      {writable ? <AddTaskForm me={me} onAdd={(t) => socApi.addWorkplanTask(id, t).then(() => refresh())} /> : null}
    </section>
  );
}

function LinkList({ links }: { links: readonly WorkplanLink[] }) {
  return (
    <ul className="plain-list link-list" aria-label="Linked alerts and incidents">
      {links.map((l) => (
        <li key={`${l.type}:${l.id}`}>
          <span className="tag">{l.type}</span> <Link to={`/${l.type === "incident" ? "incidents" : "alerts"}/${encodeURIComponent(l.id)}`}>{l.title || l.id}</Link>
        </li>
      ))}
    </ul>
  );
}

function CreateWorkplanDialog({ me, onClose, onCreated }: { me: Me; onClose: () => void; onCreated: (p: Workplan) => void }) {
  const id = useId();
  const people = usePeople(me);
  const queryClient = useQueryClient();
  const incidents = useIncidents({ limit: 100 });
  const openIncidents = useMemo(() => (incidents.data?.pages.flatMap((p) => p.incidents) ?? []).filter((i) => i.status !== "closed"), [incidents.data]);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [owner, setOwner] = useState(me.id);
  const [group, setGroup] = useState("");
  const [due, setDue] = useState("");
  const [incidentIds, setIncidentIds] = useState<string[]>([]);
  const [alertIds, setAlertIds] = useState("");
  const create = useMutation({
    mutationFn: () => {
      const links = [
        ...incidentIds.map((x) => ({ type: "incident" as const, id: x })),
        ...alertIds
          .split(/[\s,]+/)
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => ({ type: "alert" as const, id: x })),
      ];
      return socApi.createWorkplan({
        title: title.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(owner ? { owner } : {}),
        ...(group ? { group } : {}),
        ...(due ? { due_at: new Date(due).toISOString() } : {}),
        ...(links.length ? { links } : {}),
      });
    },
    onSuccess: (p) => {
      void queryClient.invalidateQueries({ queryKey: socKeys.workplans });
      onCreated(p);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <Dialog title="New workplan" onClose={onClose} wide>
      <form className="dialog-body" onSubmit={submit} noValidate>
        <div className={fieldError(create.error, "title") ? "field field-invalid" : "field"}>
          <label htmlFor={`${id}-t`}>Title</label>
          <input id={`${id}-t`} value={title} onChange={(e) => setTitle(e.target.value)} />
          {fieldError(create.error, "title") ? <div className="field-error">{fieldError(create.error, "title")}</div> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-d`}>Description</label>
          <textarea id={`${id}-d`} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-o`}>Owner</label>
            <select id={`${id}-o`} value={owner} onChange={(e) => setOwner(e.target.value)}>
              <option value="">Nobody</option>
              {people.users.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-g`}>Work group</label>
            <select id={`${id}-g`} value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">None</option>
              {people.groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-due`}>Due</label>
            <input id={`${id}-due`} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-inc`}>Linked incidents</label>
            <select id={`${id}-inc`} multiple value={incidentIds} onChange={(e) => setIncidentIds([...e.target.selectedOptions].map((o) => o.value))} size={Math.min(5, Math.max(2, openIncidents.length))}>
              {openIncidents.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.number} {i.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={`${id}-al`}>Linked alert ids</label>
            <input id={`${id}-al`} className="mono" value={alertIds} onChange={(e) => setAlertIds(e.target.value)} placeholder="comma-separated" />
          </div>
        </div>
        <FormAlert error={create.error} fields={["title"]} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending || !title.trim()}>
            Create workplan
          </button>
        </div>
      </form>
    </Dialog>
  );
}
