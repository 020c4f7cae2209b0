// The Feeds tab: subscriptions with their status, add, run now, enable or
// disable, delete.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { LevelBadge } from "../rules/LevelBadge";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, SelectField, TextField, fieldError } from "../ui/form";
import { Time } from "../ui/time";
import { FEED_FORMATS, FEED_FORMAT_LABELS, INTEL_SEVERITIES, intelApi, intelKeys, useFeeds, type Feed, type FeedRun } from "./intelApi";

const STATUS: Record<Feed["status"], string> = { never_run: "Not fetched yet", ok: "OK", failing: "Failing", disabled: "Disabled" };

export function FeedsTab({ writable }: { writable: boolean }) {
  const client = useQueryClient();
  const feeds = useFeeds();
  const [adding, setAdding] = useState(false);
  const [lastRun, setLastRun] = useState<{ name: string; run: FeedRun } | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: intelKeys.all });
  const run = useMutation({
    mutationFn: (f: Feed) => intelApi.runFeed(f.id).then((r) => ({ name: f.name, run: r })),
    onSuccess: (r) => {
      setLastRun(r);
      void refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (f: Feed) => intelApi.updateFeed(f.id, { enabled: !f.enabled }), onSuccess: () => void refresh() });
  const remove = useMutation({ mutationFn: (f: Feed) => intelApi.deleteFeed(f.id), onSuccess: () => void refresh() });
  const items = feeds.data?.items ?? [];
  return (
    <section aria-label="Feeds">
      <div className="toolbar">
        <p className="toolbar-text">
          Feeds are fetched on their interval with conditional requests (ETag, Last-Modified). Indicators a feed stops listing expire.
        </p>
        {writable ? (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add feed
          </button>
        ) : null}
      </div>
      {[feeds.error, run.error, toggle.error, remove.error].filter(Boolean).map((e, i) => (
        <ErrorMessage key={i} error={e} />
      ))}
      {lastRun ? (
        <div className="alert" role="status">
          {lastRun.name}:{" "}
          {lastRun.run.error
            ? `the fetch failed: ${lastRun.run.error}`
            : lastRun.run.not_modified
              ? "not modified since the last fetch."
              : `${lastRun.run.indicators} indicators (${lastRun.run.created} new, ${lastRun.run.updated} updated, ${lastRun.run.expired} expired, ${lastRun.run.error_count} refused).`}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Format</th>
              <th scope="col">Status</th>
              <th scope="col">Indicators</th>
              <th scope="col">Last fetch</th>
              <th scope="col">Next fetch</th>
              <th scope="col">Severity</th>
              {writable ? <th scope="col"><span className="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((f) => (
              <tr key={f.id}>
                <td>
                  <strong>{f.name}</strong>
                  <div className="muted intel-desc">{f.url}</div>
                </td>
                <td>{FEED_FORMAT_LABELS[f.format] ?? f.format}</td>
                <td>
                  <span className={f.status === "failing" ? "feed-status-failing" : undefined}>{STATUS[f.status]}</span>
                  {f.last_error ? <div className="muted intel-desc">{f.last_error}</div> : null}
                </td>
                <td>{f.last_count.toLocaleString()}</td>
                <td>
                  <Time value={f.last_run_at} empty="Never" />
                </td>
                <td>{f.enabled ? <Time value={f.next_run_at} /> : "—"}</td>
                <td>
                  <LevelBadge level={f.severity} />
                </td>
                {writable ? (
                  <td className="row-actions">
                    <button type="button" className="btn btn-small" disabled={run.isPending} onClick={() => run.mutate(f)} aria-label={`Run ${f.name} now`}>
                      {run.isPending && run.variables?.id === f.id ? "Fetching…" : "Run now"}
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => toggle.mutate(f)} aria-label={`${f.enabled ? "Disable" : "Enable"} ${f.name}`}>
                      {f.enabled ? "Disable" : "Enable"}
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      aria-label={`Delete ${f.name}`}
                      onClick={() => {
                        if (window.confirm(`Unsubscribe from ${f.name}? Its indicators expire.`)) remove.mutate(f);
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
        {feeds.isSuccess && items.length === 0 ? <p className="empty">No feed subscriptions.</p> : null}
      </div>
      {adding ? <FeedDialog onClose={() => setAdding(false)} onSaved={() => void refresh()} /> : null}
    </section>
  );
}

function FeedDialog({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState("plain");
  const [hours, setHours] = useState("1");
  const [severity, setSeverity] = useState("medium");
  const [confidence, setConfidence] = useState("50");
  const save = useMutation({
    mutationFn: () =>
      intelApi.createFeed({
        name,
        url,
        format,
        interval_seconds: Math.round(Number(hours) * 3600),
        severity,
        confidence: Number(confidence),
      }),
    onSuccess: () => {
      onSaved();
      onClose();
    },
  });
  const err = save.error;
  return (
    <Dialog title="Add feed" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <FormAlert error={err} fields={["name", "url", "format", "interval_seconds", "severity", "confidence"]} />
        <TextField label="Name" value={name} onChange={setName} error={fieldError(err, "name")} required />
        <TextField label="URL" value={url} onChange={setUrl} error={fieldError(err, "url")} required placeholder="https://" spellCheck={false}
          hint="For a MISP feed, the folder holding manifest.json." />
        <SelectField label="Format" value={format} onChange={setFormat} error={fieldError(err, "format")}
          options={FEED_FORMATS.map((f) => ({ value: f, label: FEED_FORMAT_LABELS[f] ?? f }))} />
        <TextField label="Fetch every (hours)" type="number" min={0.02} step="any" value={hours} onChange={setHours} error={fieldError(err, "interval_seconds")} />
        <SelectField label="Severity of its indicators" value={severity} onChange={setSeverity} error={fieldError(err, "severity")}
          options={INTEL_SEVERITIES.map((s) => ({ value: s, label: s }))} />
        <TextField label="Confidence (0-100)" type="number" min={0} max={100} value={confidence} onChange={setConfidence} error={fieldError(err, "confidence")} />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending || !name.trim() || !url.trim()}>
            Add
          </button>
        </div>
      </form>
    </Dialog>
  );
}
