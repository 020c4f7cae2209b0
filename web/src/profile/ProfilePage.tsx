import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { roleLabel, type Me, type ProfileUpdate } from "../api/types";
import { useCurrentUser } from "../app/session";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";

export function ProfilePage() {
  useDocumentTitle("Profile");
  const me = useCurrentUser();
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Profile</h1>
        <p className="page-subtitle">
          {me.email} · {roleLabel(me.role)}
        </p>
      </header>
      <div className="card-grid">
        <ProfileForm me={me} />
        <PasswordForm me={me} />
      </div>
    </section>
  );
}

const PROFILE_FIELDS = ["name", "team", "manager", "computer", "mobile_phone"] as const;

function ProfileForm({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Required<ProfileUpdate>>({
    name: me.name,
    team: me.team,
    manager: me.manager,
    computer: me.computer,
    mobile_phone: me.mobile_phone,
  });
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (update: ProfileUpdate) => api.updateMe(update),
    onSuccess: (user) => {
      queryClient.setQueryData<Me>(queryKeys.me, (old) => (old ? { ...old, ...user } : old));
      void queryClient.invalidateQueries({ queryKey: queryKeys.allUsers });
      setSaved(true);
    },
  });
  const set = (key: keyof ProfileUpdate) => (value: string) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: value }));
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(form);
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="profile-heading" noValidate>
      <h2 id="profile-heading">Your details</h2>
      <FormAlert error={save.error} fields={PROFILE_FIELDS} />
      <TextField label="Name" value={form.name} onChange={set("name")} autoComplete="name" error={fieldError(save.error, "name")} />
      <div className="form-row">
        <TextField label="Team" value={form.team} onChange={set("team")} error={fieldError(save.error, "team")} />
        <TextField label="Manager" value={form.manager} onChange={set("manager")} error={fieldError(save.error, "manager")} />
      </div>
      <div className="form-row">
        <TextField label="Computer" value={form.computer} onChange={set("computer")} error={fieldError(save.error, "computer")} />
        <TextField
          label="Mobile phone"
          type="tel"
          autoComplete="tel"
          value={form.mobile_phone}
          onChange={set("mobile_phone")}
          error={fieldError(save.error, "mobile_phone")}
        />
      </div>
      <dl className="meta-list">
        <div>
          <dt>Last login</dt>
          <dd>
            <Time value={me.last_login_at} empty="never" />
          </dd>
        </div>
        <div>
          <dt>Password changed</dt>
          <dd>
            <Time value={me.password_changed_at} empty="never" />
          </dd>
        </div>
      </dl>
      <div className="form-actions">
        {saved ? (
          <span className="status-ok" role="status">
            Profile saved.
          </span>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save profile
        </button>
      </div>
    </form>
  );
}

const PASSWORD_FIELDS = ["current_password", "new_password", "confirm"] as const;

function PasswordForm({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: () => api.changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
      void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate();
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="password-heading" noValidate>
      <h2 id="password-heading">Change password</h2>
      <p className="card-hint">Changing your password signs out your other sessions.</p>
      <FormAlert error={change.error} fields={PASSWORD_FIELDS} />
      {/* Lets password managers pair the new password with the account. */}
      <input type="hidden" autoComplete="username" value={me.email} readOnly />
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
        error={fieldError(change.error, "current_password")}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={setNext}
        error={fieldError(change.error, "new_password")}
        hint="Use a long passphrase; the server refuses weak passwords."
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onChange={(v) => {
          setConfirm(v);
          setMismatch(false);
        }}
        error={mismatch ? "The two new passwords differ." : undefined}
      />
      <div className="form-actions">
        {done ? (
          <span className="status-ok" role="status">
            Password changed.
          </span>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={change.isPending}>
          Change password
        </button>
      </div>
    </form>
  );
}
