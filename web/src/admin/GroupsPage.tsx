import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys, useUserChoices } from "../api/queries";
import { roleLabel, type Group, type GroupCreate, type User } from "../api/types";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { AdminError } from "./AdminError";

type Open = { kind: "create" } | { kind: "delete"; group: Group } | null;

export function GroupsPage() {
  useDocumentTitle("Work groups · Administration");
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const groups = useQuery({ queryKey: queryKeys.groups, queryFn: ({ signal }) => api.listGroups(signal) });
  const users = useUserChoices();
  const remove = useMutation({
    mutationFn: (g: Group) => api.deleteGroup(g.id),
    onSuccess: () => {
      setOpen(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
    },
  });

  if (groups.isError) return <AdminError error={groups.error} />;

  const items = groups.data?.items ?? [];
  return (
    <div className="panel">
      <div className="toolbar">
        <p className="toolbar-text">Work groups gather analysts who share a queue, a shift or a specialty.</p>
        <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: "create" })}>
          New work group
        </button>
      </div>
      {groups.isPending ? (
        <p className="muted" role="status">
          Loading work groups…
        </p>
      ) : items.length === 0 ? (
        <p className="empty">No work groups yet.</p>
      ) : (
        <ul className="group-list" aria-label="Work groups">
          {items.map((g) => (
            <li key={g.id}>
              <GroupCard
                group={g}
                users={users.data?.items ?? []}
                onDelete={() => {
                  remove.reset();
                  setOpen({ kind: "delete", group: g });
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {open?.kind === "create" ? <CreateGroupDialog users={users.data?.items ?? []} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "delete" ? (
        <ConfirmDialog
          title="Delete work group"
          confirmLabel="Delete work group"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(open.group)}
          onCancel={() => setOpen(null)}
        >
          <p>
            Delete the work group <strong>{open.group.name}</strong>? Its members keep their accounts.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function GroupCard({ group, users, onDelete }: { group: Group; users: User[]; onDelete: () => void }) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const selectId = useId();
  const [pick, setPick] = useState("");
  const onGroup = (g: Group) => {
    queryClient.setQueryData<{ items: Group[] }>(queryKeys.groups, (old) =>
      old ? { items: old.items.map((x) => (x.id === g.id ? g : x)) } : old,
    );
  };
  const add = useMutation({
    mutationFn: (userId: string) => api.addGroupMember(group.id, userId),
    onSuccess: (g) => {
      onGroup(g);
      setPick("");
    },
  });
  const removeMember = useMutation({
    mutationFn: (userId: string) => api.removeGroupMember(group.id, userId),
    onSuccess: onGroup,
  });
  const memberIds = new Set(group.members.map((m) => m.id));
  const candidates = users.filter((u) => !memberIds.has(u.id));

  return (
    <article className="card group-card" aria-labelledby={headingId}>
      <div className="group-card-head">
        <div>
          <h2 id={headingId}>{group.name}</h2>
          {group.description ? <p className="muted">{group.description}</p> : null}
        </div>
        <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Delete work group ${group.name}`} onClick={onDelete}>
          Delete
        </button>
      </div>
      {add.error ? <ErrorMessage error={add.error} /> : null}
      {removeMember.error ? <ErrorMessage error={removeMember.error} /> : null}
      {group.members.length === 0 ? (
        <p className="muted">No members yet.</p>
      ) : (
        <table className="table table-compact">
          <caption className="sr-only">Members of {group.name}</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {group.members.map((m) => (
              <tr key={m.id}>
                <td className="cell-strong">{m.name || m.email}</td>
                <td>{m.email}</td>
                <td>{roleLabel(m.role)}</td>
                <td className="cell-actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Remove ${m.name || m.email} from ${group.name}`}
                    disabled={removeMember.isPending}
                    onClick={() => removeMember.mutate(m.id)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (pick) add.mutate(pick);
        }}
      >
        <label htmlFor={selectId}>Add member to {group.name}</label>
        <select id={selectId} value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">Choose a user…</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name ? `${u.name} (${u.email})` : u.email}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-small" disabled={!pick || add.isPending}>
          Add member
        </button>
      </form>
      <div className="card-foot muted">
        Created <Time value={group.created_at} />
      </div>
    </article>
  );
}

const GROUP_FIELDS = ["name", "description", "member_ids"] as const;

function CreateGroupDialog({ users, onClose }: { users: User[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<GroupCreate>({ name: "", description: "", member_ids: [] });
  const create = useMutation({
    mutationFn: (g: GroupCreate) => api.createGroup(g),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
      onClose();
    },
  });
  const toggleMember = (id: string, on: boolean) =>
    setForm((f) => ({ ...f, member_ids: on ? [...f.member_ids, id] : f.member_ids.filter((x) => x !== id) }));

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ ...form, name: form.name.trim() });
  }

  return (
    <Dialog title="New work group" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={create.error} fields={GROUP_FIELDS} />
          <TextField label="Name" value={form.name} onChange={(v) => setForm((f) => ({ ...f, name: v }))} error={fieldError(create.error, "name")} required />
          <TextField
            label="Description"
            value={form.description}
            onChange={(v) => setForm((f) => ({ ...f, description: v }))}
            error={fieldError(create.error, "description")}
          />
          <fieldset className="checklist">
            <legend>Members</legend>
            {users.length === 0 ? <p className="muted">No users to add.</p> : null}
            {users.map((u) => (
              <label key={u.id} className="check">
                <input type="checkbox" checked={form.member_ids.includes(u.id)} onChange={(e) => toggleMember(u.id, e.target.checked)} />
                <span>
                  {u.name || u.email} <span className="muted">({u.email})</span>
                </span>
              </label>
            ))}
            {fieldError(create.error, "member_ids") ? <div className="field-error">{fieldError(create.error, "member_ids")}</div> : null}
          </fieldset>
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Create work group
          </button>
        </div>
      </form>
    </Dialog>
  );
}
