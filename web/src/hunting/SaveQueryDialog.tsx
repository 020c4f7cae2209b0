// Saving the editor's query for the organisation: as a new saved query
// (POST), or over an existing one (PUT), with a name and a description.
// A taken name (409) and a query the server refuses (400) are told in the
// dialog.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { huntingApi, huntingKeys, type SavedQuery } from "../api/hunting";
import { Dialog } from "../ui/Dialog";
import { FormAlert, TextField, fieldError } from "../ui/form";

interface Props {
  /** The saved query to update; a new one when absent. */
  existing?: SavedQuery | undefined;
  query: string;
  onSaved: (saved: SavedQuery) => void;
  onClose: () => void;
}

export function SaveQueryDialog({ existing, query, onSaved, onClose }: Props) {
  const id = useId();
  const queryClient = useQueryClient();
  const [name, setName] = useState(existing?.name ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [nameMissing, setNameMissing] = useState(false);

  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description: description.trim(), query };
      return existing ? huntingApi.updateSaved(existing.id, body) : huntingApi.createSaved(body);
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: huntingKeys.saved });
      onSaved(saved);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === "") {
      setNameMissing(true);
      return;
    }
    setNameMissing(false);
    save.mutate();
  }

  const error = save.error;
  return (
    <Dialog title={existing ? "Update saved query" : "Save query"} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={existing ? "Update saved query" : "Save query"}>
        <div className="dialog-body">
          <TextField
            label="Name"
            value={name}
            onChange={setName}
            maxLength={200}
            autoComplete="off"
            error={nameMissing ? "Give the query a name." : fieldError(error, "name")}
            hint="Shared with everyone in your organisation."
          />
          <div className="field">
            <label htmlFor={`${id}-description`}>Description</label>
            <textarea
              id={`${id}-description`}
              className="saved-description-input"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              rows={3}
              maxLength={2000}
              placeholder="What it finds, and when to run it"
            />
          </div>
          <div className="field">
            <span className="field-label" id={`${id}-query`}>
              Query
            </span>
            <pre className="code-block saved-query-preview" aria-labelledby={`${id}-query`}>
              {query}
            </pre>
            {existing ? <div className="field-hint">The saved query is replaced by this one, from the editor.</div> : null}
          </div>
          <FormAlert error={error} fields={["name"]} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : existing ? "Update" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
