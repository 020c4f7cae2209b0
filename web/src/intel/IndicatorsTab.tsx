// The Indicators tab: filters, a page of indicators, add/edit, delete (one
// or the selected ones), import with a per-record report, and export.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { LevelBadge } from "../rules/LevelBadge";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, SelectField, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { ImportDialog } from "./ImportDialog";
import {
  INDICATOR_TYPES,
  INTEL_SEVERITIES,
  TYPE_LABELS,
  exportUrl,
  intelApi,
  intelKeys,
  useIndicators,
  type Indicator,
  type IndicatorBody,
  type IndicatorQuery,
} from "./intelApi";

const PAGE = 50;

export function IndicatorsTab({ writable }: { writable: boolean }) {
  const client = useQueryClient();
  const [type, setType] = useState("");
  const [active, setActive] = useState<"" | "true" | "false">("true");
  const [draft, setDraft] = useState("");
  const q = useDebounced(draft.trim(), 300);
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [type, active, q]);
  const query: IndicatorQuery = useMemo(() => ({ type, active, q, limit: PAGE, offset: page * PAGE }), [type, active, q, page]);
  const list = useIndicators(query);
  const [editing, setEditing] = useState<Indicator | "new" | null>(null);
  const [importing, setImporting] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const refresh = () => client.invalidateQueries({ queryKey: intelKeys.all });
  const remove = useMutation({
    mutationFn: (ids: string[]) => (ids.length === 1 ? intelApi.remove(ids[0]!).then(() => ({ deleted: 1 })) : intelApi.removeMany(ids)),
    onSuccess: () => {
      setSelected(new Set());
      void refresh();
    },
  });
  const items = list.data?.items ?? [];
  const total = list.data?.total ?? 0;

  return (
    <section aria-label="Indicators">
      <div className="toolbar">
        <div className="toolbar-filters">
          <div className="field">
            <label htmlFor="intel-search">Search indicators</label>
            <input id="intel-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Value or description" autoComplete="off" />
          </div>
          <SelectField
            label="Type"
            value={type}
            onChange={setType}
            options={[{ value: "", label: "All types" }, ...INDICATOR_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))]}
          />
          <SelectField
            label="Status"
            value={active}
            onChange={(v) => setActive(v as "" | "true" | "false")}
            options={[
              { value: "true", label: "Active" },
              { value: "false", label: "Expired" },
              { value: "", label: "All" },
            ]}
          />
        </div>
        <div className="page-actions">
          <a className="btn" href={exportUrl("stix", query)} download>
            Export STIX
          </a>
          <a className="btn" href={exportUrl("csv", query)} download>
            Export CSV
          </a>
          {writable ? (
            <>
              <button type="button" className="btn" onClick={() => setImporting(true)}>
                Import
              </button>
              <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
                Add indicator
              </button>
            </>
          ) : (
            <p className="read-only-note">View only: your role cannot change indicators.</p>
          )}
        </div>
      </div>
      {writable && selected.size > 0 ? (
        <div className="intel-bulk" role="region" aria-label="Selected indicators">
          <span>{selected.size} selected</span>
          <button
            type="button"
            className="btn btn-small btn-danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete ${selected.size} indicators and their sightings?`)) remove.mutate([...selected]);
            }}
          >
            Delete selected
          </button>
        </div>
      ) : null}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              {writable ? (
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select all indicators on this page"
                    checked={items.length > 0 && items.every((i) => selected.has(i.id))}
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())}
                  />
                </th>
              ) : null}
              <th scope="col">Type</th>
              <th scope="col">Value</th>
              <th scope="col">Severity</th>
              <th scope="col">Confidence</th>
              <th scope="col">Source</th>
              <th scope="col">Sightings</th>
              <th scope="col">History</th>
              <th scope="col">Updated</th>
              {writable ? <th scope="col"><span className="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                {writable ? (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${i.value}`}
                      checked={selected.has(i.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.target.checked) next.add(i.id);
                        else next.delete(i.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                ) : null}
                <td>{TYPE_LABELS[i.type] ?? i.type}</td>
                <td className="intel-value">
                  <code>{i.value}</code>
                  {i.exact_only ? <span className="muted"> (host only)</span> : null}
                  {!i.active ? <span className="muted"> (expired)</span> : null}
                  {i.description ? <div className="muted intel-desc">{i.description}</div> : null}
                </td>
                <td>
                  <LevelBadge level={i.severity} />
                </td>
                <td>{i.confidence}</td>
                <td>{i.source}</td>
                <td>{i.sightings.toLocaleString()}</td>
                <td>{retroText(i)}</td>
                <td>
                  <Time value={i.updated_at} />
                </td>
                {writable ? (
                  <td className="row-actions">
                    <button type="button" className="btn btn-small" onClick={() => setEditing(i)} aria-label={`Edit ${i.value}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      aria-label={`Delete ${i.value}`}
                      onClick={() => {
                        if (window.confirm(`Delete the indicator ${i.value} and its sightings?`)) remove.mutate([i.id]);
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
        {list.isSuccess && items.length === 0 ? <p className="empty">No indicators match.</p> : null}
      </div>
      <div className="pager">
        <span className="muted">
          {total === 0 ? "0 indicators" : `${page * PAGE + 1}–${Math.min(total, (page + 1) * PAGE)} of ${total.toLocaleString()}`}
        </span>
        <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE >= total} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </div>
      {editing ? <IndicatorDialog indicator={editing === "new" ? undefined : editing} onClose={() => setEditing(null)} onSaved={() => void refresh()} /> : null}
      {importing ? <ImportDialog onClose={() => setImporting(false)} onImported={() => void refresh()} /> : null}
    </section>
  );
}

function retroText(i: Indicator): string {
  switch (i.retro_status) {
    case "pending":
      return "Searching…";
    case "done":
      return i.retro_hits === 0 ? "Not seen before" : `Seen in ${i.retro_hits.toLocaleString()} past events`;
    case "failed":
      return "Search failed";
  }
  return "—";
}

const FIELDS = ["type", "value", "severity", "confidence", "tags", "description", "expires_at"] as const;

function IndicatorDialog({ indicator, onClose, onSaved }: { indicator?: Indicator | undefined; onClose: () => void; onSaved: () => void }) {
  const [type, setType] = useState(indicator?.type ?? "");
  const [value, setValue] = useState(indicator?.value ?? "");
  const [severity, setSeverity] = useState(indicator?.severity ?? "medium");
  const [confidence, setConfidence] = useState(String(indicator?.confidence ?? 50));
  const [tags, setTags] = useState((indicator?.tags ?? []).join(", "));
  const [description, setDescription] = useState(indicator?.description ?? "");
  const [expires, setExpires] = useState(indicator?.expires_at ? indicator.expires_at.slice(0, 10) : "");
  const [exactOnly, setExactOnly] = useState(indicator?.exact_only ?? false);
  const save = useMutation({
    mutationFn: () => {
      const body: IndicatorBody = {
        value,
        severity,
        confidence: Number(confidence),
        tags: tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        description,
        exact_only: exactOnly,
        expires_at: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null,
      };
      if (type) body.type = type;
      if (!indicator) {
        if (!expires) delete body.expires_at;
        return intelApi.create(body);
      }
      return intelApi.update(indicator.id, body);
    },
    onSuccess: () => {
      onSaved();
      onClose();
    },
  });
  const err = save.error;
  return (
    <Dialog title={indicator ? "Edit indicator" : "Add indicator"} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <FormAlert error={err} fields={FIELDS} />
        <SelectField
          label="Type"
          value={type}
          onChange={setType}
          error={fieldError(err, "type")}
          options={[{ value: "", label: "Detect from the value" }, ...INDICATOR_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))]}
        />
        <TextField label="Value" value={value} onChange={setValue} error={fieldError(err, "value")} required autoComplete="off" spellCheck={false}
          hint="An address, CIDR block, domain, URL, hash, e-mail, file name, JA3/JA4 or user agent. Defanged values (hxxp, [.]) are not accepted here." />
        <SelectField label="Severity" value={severity} onChange={setSeverity} error={fieldError(err, "severity")}
          options={INTEL_SEVERITIES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) }))} />
        <TextField label="Confidence (0-100)" type="number" min={0} max={100} value={confidence} onChange={setConfidence} error={fieldError(err, "confidence")} />
        <TextField label="Tags" value={tags} onChange={setTags} error={fieldError(err, "tags")} hint="Comma-separated" />
        <TextField label="Description" value={description} onChange={setDescription} error={fieldError(err, "description")} />
        <TextField label="Expires on" type="date" value={expires} onChange={setExpires} error={fieldError(err, "expires_at")} hint="Empty: never" />
        {type === "domain" || (!type && !value.includes("/")) ? (
          <div className="field field-check">
            <label>
              <input type="checkbox" checked={exactOnly} onChange={(e) => setExactOnly(e.target.checked)} /> Match this host only, not names under it
            </label>
          </div>
        ) : null}
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending || value.trim() === ""}>
            {indicator ? "Save" : "Add"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
