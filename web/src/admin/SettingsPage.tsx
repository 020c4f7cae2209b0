import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { useCurrentUser } from "../app/session";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { canWrite } from "./access";
import { AdminError } from "./AdminError";
import { ReadOnlyNote } from "./ReadOnlyNote";

const SETTINGS_FIELDS = ["retention_days"] as const;

/** The organisation's settings: how long events are kept (settings:read / settings:write). */
export function SettingsPage() {
  useDocumentTitle("Settings · Administration");
  const writable = canWrite(useCurrentUser(), "settings");
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: queryKeys.settings, queryFn: ({ signal }) => api.getSettings(signal) });
  const [days, setDays] = useState("");
  const [saved, setSaved] = useState(false);
  const current = settings.data?.retention_days;
  useEffect(() => {
    if (current !== undefined) setDays(String(current));
  }, [current]);

  const save = useMutation({
    mutationFn: (retention_days: number) => api.updateSettings({ retention_days }),
    onSuccess: (s) => {
      queryClient.setQueryData(queryKeys.settings, s);
      setSaved(true);
    },
  });

  if (settings.isError) return <AdminError area="Settings" error={settings.error} />;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    // Sent as typed: the server decides what is valid and says so by the field.
    save.mutate(days.trim() === "" ? Number.NaN : Number(days));
  }

  return (
    <div className="panel">
      <div className="toolbar">
        <p className="toolbar-text">Settings of this organisation.</p>
        {writable ? null : <ReadOnlyNote what="the settings" />}
      </div>
      <form className="card settings-card" onSubmit={submit} aria-labelledby="retention-heading" noValidate>
        <h2 id="retention-heading">Event retention</h2>
        <p className="card-hint">Events older than this are deleted every hour. Exports and searches see only what is kept.</p>
        {settings.isPending ? (
          <p className="muted" role="status">
            Loading settings…
          </p>
        ) : (
          <>
            <FormAlert error={save.error} fields={SETTINGS_FIELDS} />
            <TextField
              label="Retention (days)"
              type="number"
              inputMode="numeric"
              min={1}
              max={3650}
              value={days}
              onChange={(v) => {
                setSaved(false);
                setDays(v);
              }}
              disabled={!writable}
              error={fieldError(save.error, "retention_days")}
              hint="From 1 to 3650 days (10 years)."
            />
            {writable ? (
              <div className="form-actions">
                <span role="status" className="status-ok">
                  {saved ? "Settings saved." : ""}
                </span>
                <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                  Save settings
                </button>
              </div>
            ) : null}
          </>
        )}
      </form>
    </div>
  );
}
