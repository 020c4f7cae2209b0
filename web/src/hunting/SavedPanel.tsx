// The organisation's saved queries (GET /api/v1/search/kql/saved): name,
// description and author; open one into the editor, save the editor's
// query as a new one, update one with it, or delete one after asking.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { huntingApi, huntingKeys, useSavedQueries, type SavedQuery } from "../api/hunting";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";

interface Props {
  /** The saved query the editor was last loaded from, if any. */
  currentId: string | null;
  /** Whether the editor holds a query to save. */
  canSave: boolean;
  /** Whether the caller may save, change and delete the organisation's queries. */
  writable: boolean;
  onOpen: (saved: SavedQuery) => void;
  onSaveNew: () => void;
  onUpdate: (saved: SavedQuery) => void;
  onDeleted: (saved: SavedQuery) => void;
}

export function SavedPanel({ currentId, canSave, writable, onOpen, onSaveNew, onUpdate, onDeleted }: Props) {
  const saved = useSavedQueries();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<SavedQuery | null>(null);
  const remove = useMutation({
    mutationFn: (q: SavedQuery) => huntingApi.deleteSaved(q.id),
    onSuccess: (_r, q) => {
      queryClient.setQueryData<{ items: SavedQuery[] }>(huntingKeys.saved, (old) => (old ? { items: old.items.filter((x) => x.id !== q.id) } : old));
      void queryClient.invalidateQueries({ queryKey: huntingKeys.saved });
      setDeleting(null);
      onDeleted(q);
    },
  });

  const items = saved.data?.items ?? [];
  return (
    <div className="saved-panel">
      {writable ? (
        <button type="button" className="btn btn-small" onClick={onSaveNew} disabled={!canSave} title={canSave ? "Save the query in the editor for your organisation" : "Write a query first"}>
          Save current query as…
        </button>
      ) : (
        <p className="muted hunt-side-note">View only: your role can open the saved queries, not change them.</p>
      )}
      {saved.isPending ? (
        <p className="muted hunt-side-note" role="status">
          Loading saved queries…
        </p>
      ) : saved.isError && !saved.data ? (
        <ErrorMessage error={saved.error} />
      ) : items.length === 0 ? (
        <p className="muted hunt-side-note">No saved queries yet. Queries saved here are shared with everyone in your organisation.</p>
      ) : (
        <ul className="hunt-list" aria-label="Saved queries">
          {items.map((q) => (
            <li key={q.id} className={q.id === currentId ? "hunt-item saved-item saved-current" : "hunt-item saved-item"} aria-label={q.name}>
              <div className="saved-head">
                <strong className="saved-name">{q.name}</strong>
                {q.id === currentId ? <span className="badge">in the editor</span> : null}
              </div>
              {q.description ? <p className="saved-description">{q.description}</p> : null}
              <code className="hunt-item-query">{q.query}</code>
              <div className="hunt-item-meta">
                <span>{q.created_by_email || "a former user"}</span>
                <span>
                  Updated <Time value={q.updated_at} />
                </span>
              </div>
              <div className="saved-actions">
                <button type="button" className="btn btn-small btn-primary" onClick={() => onOpen(q)} aria-label={`Open ${q.name}`}>
                  Open
                </button>
                {writable ? (
                  <>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => onUpdate(q)}
                      disabled={!canSave}
                      aria-label={`Update ${q.name}`}
                      title="Replace it with the query in the editor"
                    >
                      Update
                    </button>
                    <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setDeleting(q)} aria-label={`Delete ${q.name}`}>
                      Delete
                    </button>
                  </>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
      {deleting ? (
        <ConfirmDialog
          title="Delete this saved query?"
          confirmLabel="Delete"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => {
            setDeleting(null);
            remove.reset();
          }}
        >
          <p>
            <strong>{deleting.name}</strong> is deleted for everyone in your organisation. Queries already run stay in each person's history.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
