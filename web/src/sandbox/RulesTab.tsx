// The organisation's YARA rules: list, create and edit (the server compiles
// on save and names the line of the first error), enable and disable.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { isApiError } from "../api/client";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { fieldError, FormAlert, TextField } from "../ui/form";
import { Time } from "../ui/time";
import { sandboxApi, sandboxKeys, useYaraRules, type YaraRule } from "./sandboxApi";

const TEMPLATE = `rule Example_Suspicious_Download
{
    meta:
        description = "PowerShell download cradle"
        score = 60
    strings:
        $a = "DownloadString" nocase
        $b = "Net.WebClient" nocase
    condition:
        all of them
}
`;

export function RulesTab() {
  const me = useCurrentUser();
  const writable = hasPermission(me, "sandbox:write");
  const rules = useYaraRules();
  const client = useQueryClient();
  const [editing, setEditing] = useState<YaraRule | "new" | null>(null);
  const toggle = useMutation({
    mutationFn: (r: YaraRule) => sandboxApi.updateRule(r.id, { enabled: !r.enabled }),
    onSuccess: () => void client.invalidateQueries({ queryKey: sandboxKeys.rules }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => sandboxApi.deleteRule(id),
    onSuccess: () => void client.invalidateQueries({ queryKey: sandboxKeys.rules }),
  });
  const items = rules.data?.items ?? [];
  return (
    <section aria-label="YARA rules">
      {rules.data && !rules.data.yara_enabled ? (
        <div className="alert" role="note">
          {rules.data.message} — rules are stored but not compiled or applied until the server is built with YARA.
        </div>
      ) : null}
      <div className="toolbar">
        <span className="toolbar-text muted">Enabled rules run against every file analysed, archive members included.</span>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
            New rule
          </button>
        ) : null}
      </div>
      {rules.isError ? <ErrorMessage error={rules.error} /> : null}
      {toggle.isError ? <ErrorMessage error={toggle.error} /> : null}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Enabled</th>
            <th scope="col">Updated</th>
            {writable ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              <td>{r.name}</td>
              <td className="muted">{r.description}</td>
              <td>
                {writable ? (
                  <label>
                    <input type="checkbox" checked={r.enabled} onChange={() => toggle.mutate(r)} aria-label={`Enable ${r.name}`} /> {r.enabled ? "on" : "off"}
                  </label>
                ) : r.enabled ? (
                  "on"
                ) : (
                  "off"
                )}
              </td>
              <td>
                <Time value={r.updated_at} />
              </td>
              {writable ? (
                <td className="row-actions">
                  <button type="button" className="btn btn-small" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger-ghost"
                    aria-label={`Delete ${r.name}`}
                    onClick={() => {
                      if (window.confirm(`Delete the YARA rule ${r.name}?`)) remove.mutate(r.id);
                    }}
                  >
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {rules.isSuccess && items.length === 0 ? <p className="empty">No YARA rules yet.</p> : null}
      {editing ? <RuleEditor rule={editing === "new" ? undefined : editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

/** The line of a compile error, from the server's answer. */
function errorLine(err: unknown): number | undefined {
  if (!isApiError(err) || err.field !== "source") return undefined;
  const m = /line (\d+)/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

function RuleEditor({ rule, onClose }: { rule?: YaraRule | undefined; onClose: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(rule?.name ?? "");
  const [description, setDescription] = useState(rule?.description ?? "");
  const [source, setSource] = useState(rule?.source ?? TEMPLATE);
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [line, setLine] = useState<number | undefined>();
  const save = useMutation({
    mutationFn: () =>
      rule ? sandboxApi.updateRule(rule.id, { name, description, source, enabled }) : sandboxApi.createRule({ name, description, source, enabled }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: sandboxKeys.rules });
      onClose();
    },
    onError: (err) => setLine(lineFromError(err)),
  });
  const sourceErr = fieldError(save.error, "source");
  return (
    <form
      className="card sandbox-rule-editor"
      aria-label={rule ? `Edit ${rule.name}` : "New YARA rule"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h3>{rule ? `Edit ${rule.name}` : "New YARA rule"}</h3>
      <TextField label="Name" value={name} onChange={setName} error={fieldError(save.error, "name")} required maxLength={120} />
      <TextField label="Description" value={description} onChange={setDescription} error={fieldError(save.error, "description")} />
      <div className={sourceErr ? "field field-invalid" : "field"}>
        <label htmlFor="yara-source">Source</label>
        <textarea
          id="yara-source"
          className="sandbox-source"
          rows={16}
          spellCheck={false}
          value={source}
          onChange={(e) => setSource(e.target.value)}
          aria-invalid={sourceErr ? true : undefined}
          aria-describedby={sourceErr ? "yara-source-error" : undefined}
        />
        {sourceErr ? (
          <div className="field-error" id="yara-source-error" role="alert">
            {line ? `Line ${line}: ` : ""}
            {sourceErr}
          </div>
        ) : null}
      </div>
      <label className="sandbox-check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <FormAlert error={save.error} fields={["name", "description", "source"]} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save rule
        </button>
      </div>
    </form>
  );
}

function lineFromError(err: unknown): number | undefined {
  return errorLine(err);
}
