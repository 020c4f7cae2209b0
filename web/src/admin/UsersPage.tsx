import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { roleLabel, type Role, type User, type UserCreate, type UserQuery, type UserUpdate } from "../api/types";
import { useCurrentUser } from "../app/session";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { canWrite } from "./access";
import { AdminError } from "./AdminError";
import { ReadOnlyNote } from "./ReadOnlyNote";
import { RoleField, useRoleChoices } from "./RoleField";

const PAGE_SIZE = 50;

type Open = { kind: "create" } | { kind: "edit"; user: User } | { kind: "delete"; user: User } | null;

/** The org's users; changing them (users:write) is for admins, a team lead only reads. */
export function UsersPage() {
  useDocumentTitle("Users · Administration");
  const me = useCurrentUser();
  const writable = canWrite(me, "users");
  const roles = useRoleChoices();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<Open>(null);
  const q = useDebounced(search.trim(), 250);

  const query: UserQuery = { q, role, limit: PAGE_SIZE, offset };
  const users = useQuery({
    queryKey: queryKeys.users(query),
    queryFn: ({ signal }) => api.listUsers(query, signal),
    placeholderData: keepPreviousData,
  });

  const toggle = useMutation({
    mutationFn: (u: User) => api.updateUser(u.id, { disabled: !u.disabled }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.allUsers }),
  });
  const remove = useMutation({
    mutationFn: (u: User) => api.deleteUser(u.id),
    onSuccess: () => {
      setOpen(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.allUsers });
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
    },
  });

  if (users.isError) return <AdminError area="Users" error={users.error} />;

  const total = users.data?.total ?? 0;
  const columns = writable ? 7 : 6;
  const items = users.data?.items ?? [];

  return (
    <div className="panel">
      <div className="toolbar">
        <div className="toolbar-filters">
          <div className="field field-inline">
            <label htmlFor="user-search">Search users</label>
            <input
              id="user-search"
              type="search"
              placeholder="Name or e-mail"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setOffset(0);
              }}
            />
          </div>
          <div className="field field-inline">
            <label htmlFor="user-role-filter">Role</label>
            <select
              id="user-role-filter"
              value={role}
              onChange={(e) => {
                setRole(e.target.value as Role | "");
                setOffset(0);
              }}
            >
              <option value="">All roles</option>
              {roles.map((r) => (
                <option key={r.name} value={r.name}>
                  {roleLabel(r.name)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: "create" })}>
            New user
          </button>
        ) : (
          <ReadOnlyNote what="users" />
        )}
      </div>

      {toggle.error ? <ErrorMessage error={toggle.error} /> : null}

      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Team</th>
              <th scope="col">Status</th>
              <th scope="col">Last login</th>
              {writable ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {users.isPending ? (
              <tr>
                <td colSpan={columns} className="table-empty">
                  Loading users…
                </td>
              </tr>
            ) : items.length === 0 ? (
              <tr>
                <td colSpan={columns} className="table-empty">
                  {q || role ? "No users match these filters." : "No users yet."}
                </td>
              </tr>
            ) : (
              items.map((u) => {
                const self = u.id === me.id;
                const label = u.name || u.email;
                return (
                  <tr key={u.id} className={u.disabled ? "row-muted" : undefined}>
                    <td className="cell-strong">
                      {u.name || <span className="muted">—</span>}
                      {self ? <span className="tag">you</span> : null}
                    </td>
                    <td>{u.email}</td>
                    <td>
                      <span className={`role-badge role-${u.role}`}>{roleLabel(u.role)}</span>
                    </td>
                    <td>{u.team || <span className="muted">—</span>}</td>
                    <td>
                      {u.disabled ? (
                        <span className="pill pill-off">Disabled</span>
                      ) : u.locked ? (
                        <span className="pill pill-warn" title="Locked for a while after repeated failed logins">
                          Locked
                        </span>
                      ) : (
                        <span className="pill pill-on">Active</span>
                      )}
                    </td>
                    <td>
                      <Time value={u.last_login_at} empty="never" />
                    </td>
                    {writable ? (
                      <td className="cell-actions">
                        <button type="button" className="btn btn-small" aria-label={`Edit ${label}`} onClick={() => setOpen({ kind: "edit", user: u })}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-label={`${u.disabled ? "Enable" : "Disable"} ${label}`}
                          disabled={self || (toggle.isPending && toggle.variables?.id === u.id)}
                          title={self ? "You cannot disable your own account" : undefined}
                          onClick={() => toggle.mutate(u)}
                        >
                          {u.disabled ? "Enable" : "Disable"}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-danger-ghost"
                          aria-label={`Delete ${label}`}
                          disabled={self}
                          title={self ? "You cannot delete your own account" : undefined}
                          onClick={() => {
                            remove.reset();
                            setOpen({ kind: "delete", user: u });
                          }}
                        >
                          Delete
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>

      {total > 0 ? (
        <div className="pager">
          <span className="muted">
            {offset + 1}–{offset + items.length} of {total}
          </span>
          <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Previous
          </button>
          <button type="button" className="btn btn-small" disabled={offset + items.length >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            Next
          </button>
        </div>
      ) : null}

      {open?.kind === "create" ? <CreateUserDialog onClose={() => setOpen(null)} /> : null}
      {open?.kind === "edit" ? <EditUserDialog user={open.user} self={open.user.id === me.id} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "delete" ? (
        <ConfirmDialog
          title="Delete user"
          confirmLabel="Delete user"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(open.user)}
          onCancel={() => setOpen(null)}
        >
          <p>
            Delete <strong>{open.user.name || open.user.email}</strong> ({open.user.email})? They lose access at once. Their
            past actions stay in the audit log.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

const USER_FIELDS = ["email", "name", "role", "password", "team", "manager", "computer", "mobile_phone"] as const;

interface ProfileFieldsProps {
  form: UserCreate;
  set: (key: keyof UserCreate) => (value: string) => void;
  error: unknown;
}

function ProfileFields({ form, set, error }: ProfileFieldsProps) {
  return (
    <>
      <div className="form-row">
        <TextField label="Team" value={form.team} onChange={set("team")} error={fieldError(error, "team")} />
        <TextField label="Manager" value={form.manager} onChange={set("manager")} error={fieldError(error, "manager")} />
      </div>
      <div className="form-row">
        <TextField label="Computer" value={form.computer} onChange={set("computer")} error={fieldError(error, "computer")} />
        <TextField label="Mobile phone" type="tel" value={form.mobile_phone} onChange={set("mobile_phone")} error={fieldError(error, "mobile_phone")} />
      </div>
    </>
  );
}

function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<UserCreate>({
    email: "",
    name: "",
    role: "analyst",
    password: "",
    team: "",
    manager: "",
    computer: "",
    mobile_phone: "",
  });
  const set = (key: keyof UserCreate) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const create = useMutation({
    mutationFn: (user: UserCreate) => api.createUser(user),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.allUsers });
      onClose();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ ...form, email: form.email.trim() });
  }

  return (
    <Dialog title="New user" onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={create.error} fields={USER_FIELDS} />
          <div className="form-row">
            <TextField label="E-mail" type="email" autoComplete="off" value={form.email} onChange={set("email")} error={fieldError(create.error, "email")} required />
            <TextField label="Name" value={form.name} onChange={set("name")} error={fieldError(create.error, "name")} required />
          </div>
          <div className="form-row">
            <RoleField value={form.role} onChange={set("role")} error={fieldError(create.error, "role")} />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set("password")}
              error={fieldError(create.error, "password")}
              required
            />
          </div>
          <ProfileFields form={form} set={set} error={create.error} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Create user
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EditUserDialog({ user, self, onClose }: { user: User; self: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<UserCreate>({
    email: user.email,
    name: user.name,
    role: user.role,
    password: "",
    team: user.team,
    manager: user.manager,
    computer: user.computer,
    mobile_phone: user.mobile_phone,
  });
  const set = (key: keyof UserCreate) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const save = useMutation({
    mutationFn: (update: UserUpdate) => api.updateUser(user.id, update),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.allUsers });
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
      if (self) void queryClient.invalidateQueries({ queryKey: queryKeys.me });
      onClose();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    // Only what changed: an unchanged role is never sent as a "demotion".
    const update: UserUpdate = {};
    if (form.email.trim() !== user.email) update.email = form.email.trim();
    if (form.name !== user.name) update.name = form.name;
    if (form.role !== user.role) update.role = form.role;
    if (form.team !== user.team) update.team = form.team;
    if (form.manager !== user.manager) update.manager = form.manager;
    if (form.computer !== user.computer) update.computer = form.computer;
    if (form.mobile_phone !== user.mobile_phone) update.mobile_phone = form.mobile_phone;
    if (form.password !== "") update.password = form.password;
    if (Object.keys(update).length === 0) {
      onClose();
      return;
    }
    save.mutate(update);
  }

  return (
    <Dialog title={`Edit ${user.name || user.email}`} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={save.error} fields={USER_FIELDS} />
          <div className="form-row">
            <TextField label="E-mail" type="email" autoComplete="off" value={form.email} onChange={set("email")} error={fieldError(save.error, "email")} />
            <TextField label="Name" value={form.name} onChange={set("name")} error={fieldError(save.error, "name")} />
          </div>
          <div className="form-row">
            <RoleField
              value={form.role}
              onChange={set("role")}
              disabled={self}
              note={self ? "You cannot change your own role." : undefined}
              error={fieldError(save.error, "role")}
            />
            <TextField
              label="New password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set("password")}
              error={fieldError(save.error, "password")}
              hint="Leave empty to keep the current password."
            />
          </div>
          <ProfileFields form={form} set={set} error={save.error} />
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
