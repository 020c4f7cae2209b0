import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { roleLabel, type Group, type GroupList, type GroupUpdate, type User } from "../api/types";
import { useCurrentUser } from "../app/session";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { canWrite } from "./access";
import { AdminError } from "./AdminError";
import { ReadOnlyNote } from "./ReadOnlyNote";
import { UserPicker } from "./UserPicker";

type Open = { kind: "create" } | { kind: "edit"; group: Group } | { kind: "delete"; group: Group } | null;

/** Work groups: everyone in Administration reads them; groups:write changes them. */
export function GroupsPage() {
  useDocumentTitle("Work groups · Administration");
  const writable = canWrite(useCurrentUser(), "groups");
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const groups = useQuery({ queryKey: queryKeys.groups, queryFn: ({ signal }) => api.listGroups(signal) });
  const remove = useMutation({
    mutationFn: (g: Group) => api.deleteGroup(g.id),
    onSuccess: () => {
      setOpen(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
    },
  });

  if (groups.isError) return <AdminError area="Work groups" error={groups.error} />;

  const items = groups.data?.items ?? [];
  return (
    <div className="panel">
      <div className="toolbar">
        <p className="toolbar-text">Work groups gather analysts who share a queue, a shift or a specialty.</p>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: "create" })}>
            New work group
          </button>
        ) : (
          <ReadOnlyNote what="work groups" />
        )}
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
                writable={writable}
                onEdit={() => setOpen({ kind: "edit", group: g })}
                onDelete={() => {
                  remove.reset();
                  setOpen({ kind: "delete", group: g });
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {open?.kind === "create" ? <CreateGroupDialog onClose={() => setOpen(null)} /> : null}
      {open?.kind === "edit" ? <EditGroupDialog group={open.group} onClose={() => setOpen(null)} /> : null}
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

/** Puts the server's answer for one group into the cached list. */
function useStoreGroup() {
  const queryClient = useQueryClient();
  return (g: Group) =>
    queryClient.setQueryData<GroupList>(queryKeys.groups, (old) =>
      old ? { items: old.items.map((x) => (x.id === g.id ? g : x)) } : old,
    );
}

interface GroupCardProps {
  group: Group;
  writable: boolean;
  onEdit: () => void;
  onDelete: () => void;
}

function GroupCard({ group, writable, onEdit, onDelete }: GroupCardProps) {
  const headingId = useId();
  const storeGroup = useStoreGroup();
  const add = useMutation({
    mutationFn: (userId: string) => api.addGroupMember(group.id, userId),
    onSuccess: storeGroup,
  });
  const removeMember = useMutation({
    mutationFn: (userId: string) => api.removeGroupMember(group.id, userId),
    onSuccess: storeGroup,
  });
  const memberIds = new Set(group.members.map((m) => m.id));

  return (
    <article className="card group-card" aria-labelledby={headingId}>
      <div className="group-card-head">
        <div>
          <h2 id={headingId}>{group.name}</h2>
          {group.description ? <p className="muted">{group.description}</p> : null}
        </div>
        {writable ? (
          <div className="group-card-actions">
            <button type="button" className="btn btn-small" aria-label={`Edit work group ${group.name}`} onClick={onEdit}>
              Edit
            </button>
            <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Delete work group ${group.name}`} onClick={onDelete}>
              Delete
            </button>
          </div>
        ) : null}
      </div>
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
              {writable ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {group.members.map((m) => (
              <tr key={m.id}>
                <td className="cell-strong">{m.name || m.email}</td>
                <td>{m.email}</td>
                <td>{roleLabel(m.role)}</td>
                {writable ? (
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
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {writable ? (
        <UserPicker
          label={`Add member to ${group.name}`}
          exclude={memberIds}
          excludedText="Every user who matches is already a member."
          pickLabel={(u) => `Add ${u.name || u.email} to ${group.name}`}
          onPick={(u) => add.mutateAsync(u.id)}
          clearOnPick
          pending={add.isPending}
          error={add.error}
          onSearch={() => {
            if (add.error) add.reset();
          }}
        />
      ) : null}
      <div className="card-foot muted">
        Created <Time value={group.created_at} />
      </div>
    </article>
  );
}

const GROUP_FIELDS = ["name", "description", "member_ids"] as const;

function CreateGroupDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [members, setMembers] = useState<User[]>([]);
  const create = useMutation({
    mutationFn: () => api.createGroup({ name: name.trim(), description, member_ids: members.map((m) => m.id) }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
      onClose();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }

  return (
    <Dialog title="New work group" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={create.error} fields={GROUP_FIELDS} />
          <TextField label="Name" value={name} onChange={setName} error={fieldError(create.error, "name")} required />
          <TextField label="Description" value={description} onChange={setDescription} error={fieldError(create.error, "description")} />
          <fieldset className="member-choice">
            <legend>Members</legend>
            {members.length === 0 ? (
              <p className="muted">None yet: find users below, or add them later.</p>
            ) : (
              <ul className="chosen-list" aria-label="Chosen members">
                {members.map((m) => (
                  <li key={m.id}>
                    <span>
                      {m.name || m.email} {m.name ? <span className="muted">({m.email})</span> : null}
                    </span>
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={`Remove ${m.name || m.email}`}
                      onClick={() => setMembers((ms) => ms.filter((x) => x.id !== m.id))}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <UserPicker
              label="Find users to add"
              exclude={new Set(members.map((m) => m.id))}
              excludedText="Every user who matches is already chosen."
              pickLabel={(u) => `Add ${u.name || u.email}`}
              onPick={(u) => setMembers((ms) => [...ms, u])}
            />
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

const EDIT_FIELDS = ["name", "description"] as const;

/** Renames or re-describes a group; only what changed is sent. */
function EditGroupDialog({ group, onClose }: { group: Group; onClose: () => void }) {
  const queryClient = useQueryClient();
  const storeGroup = useStoreGroup();
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  const save = useMutation({
    mutationFn: (update: GroupUpdate) => api.updateGroup(group.id, update),
    onSuccess: (g) => {
      storeGroup(g);
      // The list is ordered by name; a rename may move the group.
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
      onClose();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const update: GroupUpdate = {};
    if (name.trim() !== group.name) update.name = name.trim();
    if (description !== group.description) update.description = description;
    if (Object.keys(update).length === 0) {
      onClose();
      return;
    }
    save.mutate(update);
  }

  return (
    <Dialog title={`Edit work group ${group.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={save.error} fields={EDIT_FIELDS} />
          <TextField label="Name" value={name} onChange={setName} error={fieldError(save.error, "name")} required />
          <TextField label="Description" value={description} onChange={setDescription} error={fieldError(save.error, "description")} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save changes
          </button>
        </div>
      </form>
    </Dialog>
  );
}
