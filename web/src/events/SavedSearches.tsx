// The organisation's saved searches (GET /api/v1/events/saved): save what
// the explorer shows (query, time range, severities, columns) under a
// name, open one, replace one with the current search, or delete one after
// asking in its row. A taken name (409) and a refused query (400) are told in place.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { SEVERITY_LABELS, type SavedSearch, type SavedSearchBody } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { Time, formatTime } from "../ui/time";
import { SearchSummary } from "./ExportDialog";
import { DEFAULT_PRESET, isPreset, rangeLabel, type SearchState, type TimeRange } from "./searchState";

/** What the explorer shows when the saved search is opened. */
export function savedSearchState(s: SavedSearch): { search: SearchState; columns: string[] } {
  const range: TimeRange = s.from && s.to ? { kind: "absolute", from: s.from, to: s.to } : { kind: "preset", preset: isPreset(s.range) ? s.range : DEFAULT_PRESET };
  return { search: { query: s.query, range, severities: s.severity }, columns: s.columns };
}

/** The body that saves the explorer's search and columns. */
export function savedSearchBody(name: string, description: string, search: SearchState, columns: string[]): SavedSearchBody {
  const body: SavedSearchBody = { name: name.trim(), description: description.trim(), query: search.query.trim(), severity: search.severities, columns };
  if (search.range.kind === "absolute") {
    body.from = search.range.from;
    body.to = search.range.to;
  } else {
    body.range = search.range.preset;
  }
  return body;
}

function Summary({ search, columns }: { search: SearchState; columns: string[] }) {
  return (
    <SearchSummary search={search}>
      <div>
        <dt>Columns</dt>
        <dd>{columns.length ? columns.join(", ") : <span className="muted">each reader's own</span>}</dd>
      </div>
    </SearchSummary>
  );
}

interface Props {
  /** The explorer's search and columns now. */
  search: SearchState;
  columns: string[];
  /** Whether the caller may save, change and delete the organisation's searches. */
  writable: boolean;
  onOpen: (saved: SavedSearch) => void;
  onClose: () => void;
}

export function SavedSearchesDialog({ search, columns, writable, onOpen, onClose }: Props) {
  const id = useId();
  const queryClient = useQueryClient();
  const saved = useQuery({ queryKey: queryKeys.savedSearches, queryFn: ({ signal }) => api.listSavedSearches(signal) });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [nameMissing, setNameMissing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  // Replacing or deleting one is asked in its own row first.
  const [asking, setAsking] = useState<{ kind: "replace" | "delete"; id: string } | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.savedSearches });
  const create = useMutation({
    mutationFn: () => api.createSavedSearch(savedSearchBody(name, description, search, columns)),
    onSuccess: (s) => {
      refresh();
      setName("");
      setDescription("");
      setNote(`Saved as “${s.name}”, shared with your organisation.`);
    },
  });
  const replace = useMutation({
    mutationFn: (s: SavedSearch) => api.updateSavedSearch(s.id, savedSearchBody(s.name, s.description, search, columns)),
    onSuccess: (s) => {
      refresh();
      setAsking(null);
      setNote(`“${s.name}” now holds the current search.`);
    },
  });
  const remove = useMutation({
    mutationFn: (s: SavedSearch) => api.deleteSavedSearch(s.id),
    onSuccess: (_r, s) => {
      queryClient.setQueryData<{ items: SavedSearch[] }>(queryKeys.savedSearches, (old) => (old ? { items: old.items.filter((x) => x.id !== s.id) } : old));
      refresh();
      setAsking(null);
      setNote(`“${s.name}” was deleted.`);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === "") {
      setNameMissing(true);
      return;
    }
    setNameMissing(false);
    setNote(null);
    create.mutate();
  }

  const items = saved.data?.items ?? [];
  return (
    <Dialog title="Saved searches" onClose={onClose}>
      <div className="dialog-body saved-searches">
        <h3 className="saved-search-heading">Saved</h3>
        {saved.isPending ? (
          <p className="muted" role="status">
            Loading saved searches…
          </p>
        ) : saved.isError && !saved.data ? (
          <ErrorMessage error={saved.error} />
        ) : items.length === 0 ? (
          <p className="muted">No saved searches yet. A search saved here is shared with everyone in your organisation.</p>
        ) : (
          <ul className="saved-search-list" aria-label="Saved searches">
            {items.map((s) => {
              const view = savedSearchState(s);
              return (
                <li key={s.id} className="saved-search-item" aria-label={s.name}>
                  <div className="saved-head">
                    <strong>{s.name}</strong>
                    <span className="muted">
                      {rangeLabel(view.search.range, formatTime)}
                      {s.severity.length ? ` · ${s.severity.map((x) => SEVERITY_LABELS[x]).join(", ")}` : ""}
                      {s.columns.length ? ` · ${s.columns.length} column${s.columns.length === 1 ? "" : "s"}` : ""}
                    </span>
                  </div>
                  {s.description ? <p className="saved-description">{s.description}</p> : null}
                  <code className="saved-search-query">{s.query || "every event"}</code>
                  <div className="saved-search-meta muted">
                    {s.created_by_email || "a former user"} · updated <Time value={s.updated_at} />
                  </div>
                  {asking?.id === s.id ? (
                    <div className="saved-search-confirm" role="group" aria-label={asking.kind === "delete" ? `Delete ${s.name}?` : `Replace ${s.name}?`}>
                      <p>
                        {asking.kind === "delete"
                          ? "Delete it for everyone in your organisation?"
                          : "Replace it with the current search (above), for everyone in your organisation?"}
                      </p>
                      {(asking.kind === "delete" ? remove.error : replace.error) ? <ErrorMessage error={asking.kind === "delete" ? remove.error : replace.error} /> : null}
                      <button
                        type="button"
                        className={asking.kind === "delete" ? "btn btn-small btn-danger" : "btn btn-small btn-primary"}
                        disabled={remove.isPending || replace.isPending}
                        onClick={() => (asking.kind === "delete" ? remove.mutate(s) : replace.mutate(s))}
                      >
                        {asking.kind === "delete" ? "Delete" : "Replace"}
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          setAsking(null);
                          remove.reset();
                          replace.reset();
                        }}
                      >
                        Cancel
                      </button>
                    </div>
                  ) : (
                    <div className="saved-actions">
                      <button type="button" className="btn btn-small btn-primary" onClick={() => onOpen(s)} aria-label={`Open ${s.name}`}>
                        Open
                      </button>
                      {writable ? (
                        <>
                          <button type="button" className="btn btn-small" onClick={() => setAsking({ kind: "replace", id: s.id })} aria-label={`Replace ${s.name} with the current search`}>
                            Replace with current
                          </button>
                          <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setAsking({ kind: "delete", id: s.id })} aria-label={`Delete ${s.name}`}>
                            Delete
                          </button>
                        </>
                      ) : null}
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {writable ? (
          <form onSubmit={submit} noValidate aria-label="Save the current search" className="saved-search-form">
            <h3 className="saved-search-heading">Save the current search</h3>
            <Summary search={search} columns={columns} />
            <TextField
              label="Name"
              value={name}
              onChange={setName}
              maxLength={200}
              autoComplete="off"
              error={nameMissing ? "Give the search a name." : fieldError(create.error, "name")}
              hint="Shared with everyone in your organisation."
            />
            <div className="field">
              <label htmlFor={`${id}-description`}>Description</label>
              <textarea id={`${id}-description`} value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={2000} placeholder="What it finds" />
            </div>
            <FormAlert error={create.error} fields={["name"]} />
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              {create.isPending ? "Saving…" : "Save"}
            </button>
          </form>
        ) : (
          <p className="muted saved-search-form">View only: your role can open the saved searches, not change them.</p>
        )}
        {note ? (
          <p className="alert alert-success" role="status">
            {note}
          </p>
        ) : null}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
