import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { roleLabel, type APIKey, type APIKeyRole, type CreatedAPIKey } from "../api/types";
import { useCurrentUser } from "../app/session";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { canWrite } from "./access";
import { AdminError } from "./AdminError";
import { ReadOnlyNote } from "./ReadOnlyNote";
import { RoleField, rolesUpTo, useApiKeyRoleChoices } from "./RoleField";

type Open = { kind: "create" } | { kind: "revoke"; key: APIKey } | null;

/** API keys: listed with apikeys:read, created and revoked with apikeys:write. */
export function ApiKeysPage() {
  useDocumentTitle("API keys · Administration");
  const writable = canWrite(useCurrentUser(), "api-keys");
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const [created, setCreated] = useState<CreatedAPIKey | null>(null);
  const keys = useQuery({ queryKey: queryKeys.apiKeys, queryFn: ({ signal }) => api.listAPIKeys(signal) });
  const revoke = useMutation({
    mutationFn: (k: APIKey) => api.revokeAPIKey(k),
    onSuccess: () => {
      setOpen(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });

  if (keys.isError) return <AdminError area="API keys" error={keys.error} />;
  const items = keys.data?.items ?? [];
  const columns = writable ? 8 : 7;

  return (
    <div className="panel">
      <div className="toolbar">
        <p className="toolbar-text">API keys let integrations call the API with a fixed role. A key is shown once, when it is created.</p>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: "create" })}>
            New API key
          </button>
        ) : (
          <ReadOnlyNote what="API keys" />
        )}
      </div>

      {created ? <NewKeyBox created={created} onDone={() => setCreated(null)} /> : null}

      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Revoked</th>
              {writable ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {keys.isPending ? (
              <tr>
                <td colSpan={columns} className="table-empty">
                  Loading API keys…
                </td>
              </tr>
            ) : items.length === 0 ? (
              <tr>
                <td colSpan={columns} className="table-empty">
                  No API keys yet.
                </td>
              </tr>
            ) : (
              items.map((k) => (
                <tr key={k.id} className={k.revoked_at ? "row-muted" : undefined}>
                  <td className="cell-strong">{k.name}</td>
                  <td>
                    <span className={`role-badge role-${k.role}`}>{roleLabel(k.role)}</span>
                  </td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>
                    <Time value={k.created_at} />
                  </td>
                  <td>
                    <Time value={k.last_used_at} empty="never" />
                  </td>
                  <td>
                    <Time value={k.expires_at} empty="never" />
                  </td>
                  <td>{k.revoked_at ? <Time value={k.revoked_at} /> : <span className="muted">no</span>}</td>
                  {writable ? (
                    <td className="cell-actions">
                      {k.revoked_at ? null : (
                        <button
                          type="button"
                          className="btn btn-small btn-danger-ghost"
                          aria-label={`Revoke ${k.name}`}
                          onClick={() => {
                            revoke.reset();
                            setOpen({ kind: "revoke", key: k });
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>

      {open?.kind === "create" ? (
        <CreateKeyDialog
          onClose={() => setOpen(null)}
          onCreated={(k) => {
            setOpen(null);
            setCreated(k);
          }}
        />
      ) : null}
      {open?.kind === "revoke" ? (
        <ConfirmDialog
          title="Revoke API key"
          confirmLabel="Revoke key"
          pending={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate(open.key)}
          onCancel={() => setOpen(null)}
        >
          <p>
            Revoke <strong>{open.key.name}</strong> (<code>{open.key.prefix}</code>)? Integrations using it stop working at once.
            This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** The secret, shown this once. */
function NewKeyBox({ created, onDone }: { created: CreatedAPIKey; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }
  return (
    <section className="secret-box" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New API key: {created.name}</h2>
      <p>
        <strong>Copy this key now. It will not be shown again.</strong> Store it in your integration's secret store.
      </p>
      <div className="secret-row">
        <code className="secret-value" aria-label="API key">
          {created.key}
        </code>
        <button type="button" className="btn btn-small" onClick={copy}>
          Copy key
        </button>
      </div>
      <div className="secret-foot">
        <span role="status" className="muted">
          {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Copying failed: select the key and copy it by hand." : ""}
        </span>
        <button type="button" className="btn btn-small" onClick={onDone}>
          I have stored the key
        </button>
      </div>
    </section>
  );
}

const KEY_FIELDS = ["name", "role", "expires_in_days"] as const;

function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (k: CreatedAPIKey) => void }) {
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  // A key never holds more than its creator's role: the server refuses that.
  // The ingest role (API keys only: sends events, reads nothing) ranks last.
  const choices = rolesUpTo(useApiKeyRoleChoices(), me.role);
  const [name, setName] = useState("");
  const [role, setRole] = useState<APIKeyRole>("viewer");
  const [days, setDays] = useState("90");
  const create = useMutation({
    mutationFn: () => api.createAPIKey({ name: name.trim(), role, expires_in_days: Number(days) }),
    onSuccess: (k) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
      onCreated(k);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <Dialog title="New API key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={create.error} fields={KEY_FIELDS} />
          <TextField label="Name" value={name} onChange={setName} error={fieldError(create.error, "name")} hint="What uses the key, e.g. the ticketing integration." required />
          <div className="form-row">
            <RoleField value={role} onChange={setRole} choices={choices} error={fieldError(create.error, "role")} />
            <TextField
              label="Expires in (days)"
              type="number"
              inputMode="numeric"
              min={0}
              value={days}
              onChange={setDays}
              error={fieldError(create.error, "expires_in_days")}
              hint="0 for a key that never expires."
            />
          </div>
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Create API key
          </button>
        </div>
      </form>
    </Dialog>
  );
}
