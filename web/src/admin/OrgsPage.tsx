import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import type { CreatedOrg, OrgCreate } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { AdminError } from "./AdminError";

/** Organisations (tenants): only the platform super-admin (platform:admin) reaches this page. */
export function OrgsPage() {
  useDocumentTitle("Organisations · Administration");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedOrg | null>(null);
  const orgs = useQuery({ queryKey: queryKeys.orgs, queryFn: ({ signal }) => api.listOrgs(signal) });
  if (orgs.isError) return <AdminError area="Organisations" error={orgs.error} />;
  const items = orgs.data?.items ?? [];
  return (
    <div className="panel">
      <div className="toolbar">
        <p className="toolbar-text">Each organisation is a tenant: its users, data and settings are invisible to the others.</p>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          New organisation
        </button>
      </div>
      {created ? (
        <section className="secret-box" aria-labelledby="new-org-title">
          <h2 id="new-org-title">Organisation {created.org.name} created</h2>
          <p>
            Its first admin is <strong>{created.admin.email}</strong>.
          </p>
          {created.generated_password ? (
            <>
              <p>
                <strong>Copy this password now. It will not be shown again.</strong>
              </p>
              <div className="secret-row">
                <code className="secret-value" aria-label="Generated password">
                  {created.generated_password}
                </code>
              </div>
            </>
          ) : null}
          <div className="secret-foot">
            <span />
            <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">Organisations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {orgs.isPending ? (
              <tr>
                <td colSpan={3} className="table-empty">
                  Loading organisations…
                </td>
              </tr>
            ) : items.length === 0 ? (
              <tr>
                <td colSpan={3} className="table-empty">
                  No organisations.
                </td>
              </tr>
            ) : (
              items.map((o) => (
                <tr key={o.id}>
                  <td className="cell-strong">{o.name}</td>
                  <td className="mono">{o.id}</td>
                  <td>
                    <Time value={o.created_at} />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {creating ? (
        <CreateOrgDialog
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
          }}
        />
      ) : null}
    </div>
  );
}

const ORG_FIELDS = ["name", "admin_email", "admin_name", "admin_password"] as const;

function CreateOrgDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: CreatedOrg) => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: "", admin_email: "", admin_name: "", admin_password: "" });
  const set = (key: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [key]: v }));
  const create = useMutation({
    mutationFn: (req: OrgCreate) => api.createOrg(req),
    onSuccess: (c) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.orgs });
      onCreated(c);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const req: OrgCreate = { name: form.name.trim(), admin_email: form.admin_email.trim(), admin_name: form.admin_name };
    if (form.admin_password) req.admin_password = form.admin_password;
    create.mutate(req);
  }
  return (
    <Dialog title="New organisation" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="dialog-body">
          <FormAlert error={create.error} fields={ORG_FIELDS} />
          <TextField label="Organisation name" value={form.name} onChange={set("name")} error={fieldError(create.error, "name")} required />
          <div className="form-row">
            <TextField
              label="Admin e-mail"
              type="email"
              autoComplete="off"
              value={form.admin_email}
              onChange={set("admin_email")}
              error={fieldError(create.error, "admin_email")}
              required
            />
            <TextField label="Admin name" value={form.admin_name} onChange={set("admin_name")} error={fieldError(create.error, "admin_name")} />
          </div>
          <TextField
            label="Admin password (optional)"
            type="password"
            autoComplete="new-password"
            value={form.admin_password}
            onChange={set("admin_password")}
            error={fieldError(create.error, "admin_password")}
            hint="Leave empty to have one generated and shown once."
          />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Create organisation
          </button>
        </div>
      </form>
    </Dialog>
  );
}
