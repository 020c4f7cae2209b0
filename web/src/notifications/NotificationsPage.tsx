// Administration → Notifications: where alerts and incidents are announced
// (e-mail, Slack, Teams, PagerDuty, webhooks), a test of each channel, the
// delivery log, and the SLA targets per severity that the alert and
// incident timers count down. Reading needs notify:read; changing needs
// notify:write (admins and team leads). The server's field errors are shown
// next to the field they name; stored secrets are never sent back, only
// whether one is set.

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { isApiError } from "../api/client";
import { LEVELS, LEVEL_LABELS, type Level } from "../api/detection";
import {
  CHANNEL_KINDS,
  CHANNEL_KIND_LABELS,
  NOTIFY_EVENTS,
  socApi,
  socKeys,
  useChannels,
  useSla,
  type Channel,
  type ChannelInput,
  type ChannelKind,
  type ChannelTestResult,
  type SlaSettings,
} from "../api/soc";
import { hasPermission, useCurrentUser } from "../app/session";
import { usePeople } from "../incidents/people";
import { ConfirmDialog, Dialog } from "../ui/Dialog";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { FormAlert } from "../ui/form";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "../incidents/soc.css";

type FieldKind = "text" | "number" | "secret" | "list" | "bool" | "security" | "headers";

interface ConfigField {
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
}

/** The configuration of each kind of channel (the notify package's config). */
export const CONFIG_FIELDS: Record<ChannelKind, readonly ConfigField[]> = {
  email: [
    { name: "host", label: "SMTP host", kind: "text" },
    { name: "port", label: "Port", kind: "number", hint: "587 for STARTTLS, 465 for TLS, 25 for none" },
    { name: "security", label: "Security", kind: "security" },
    { name: "username", label: "Username", kind: "text", hint: "Empty: no authentication" },
    { name: "password", label: "Password", kind: "secret" },
    { name: "from", label: "From address", kind: "text" },
    { name: "to", label: "To addresses", kind: "list", hint: "Comma-separated" },
    { name: "skip_verify", label: "Skip TLS certificate verification (test servers only)", kind: "bool" },
  ],
  slack: [{ name: "webhook_url", label: "Incoming webhook URL", kind: "secret" }],
  teams: [{ name: "webhook_url", label: "Workflow / incoming webhook URL", kind: "secret" }],
  pagerduty: [
    { name: "routing_key", label: "Routing key (integration key)", kind: "secret" },
    { name: "url", label: "Events API URL", kind: "text", hint: "Empty: https://events.pagerduty.com/v2/enqueue" },
  ],
  webhook: [
    { name: "url", label: "URL", kind: "text" },
    { name: "secret", label: "Signing secret", kind: "secret", hint: "Signs each body (X-EventSec-Signature: sha256=…)" },
    { name: "headers", label: "Extra headers", kind: "headers", hint: "One per line: Name: value" },
  ],
};

export function NotificationsPage() {
  useDocumentTitle("Notifications · Administration");
  const me = useCurrentUser();
  const writable = hasPermission(me, "notify:write");
  return (
    <div className="notifications-page">
      <Channels writable={writable} />
      <Deliveries />
      <SlaSettingsCard writable={writable} />
    </div>
  );
}

function Channels({ writable }: { writable: boolean }) {
  const channels = useChannels();
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const [deleting, setDeleting] = useState<Channel | null>(null);
  const [tests, setTests] = useState<Record<string, ChannelTestResult | { error: string } | "pending">>({});
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (c: Channel) => socApi.deleteChannel(c.id),
    onSuccess: () => (setDeleting(null), void queryClient.invalidateQueries({ queryKey: socKeys.channels })),
  });
  const toggle = useMutation({ mutationFn: (c: Channel) => socApi.updateChannel(c.id, { enabled: !c.enabled }), onSuccess: () => void queryClient.invalidateQueries({ queryKey: socKeys.channels }) });

  async function test(c: Channel) {
    setTests((t) => ({ ...t, [c.id]: "pending" }));
    try {
      const r = await socApi.testChannel(c.id);
      setTests((t) => ({ ...t, [c.id]: r }));
    } catch (err) {
      setTests((t) => ({ ...t, [c.id]: { error: errorText(err) } }));
    }
    void queryClient.invalidateQueries({ queryKey: ["notify", "deliveries"] });
  }

  const list = channels.data?.channels ?? [];
  return (
    <section className="card settings-card" aria-labelledby="channels-title">
      <div className="card-head">
        <h2 id="channels-title">Channels</h2>
        {writable ? (
          <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing("new")}>
            Add channel
          </button>
        ) : null}
      </div>
      {!writable ? <p className="muted">Read-only: admins and team leads configure the channels.</p> : null}
      {channels.isError ? <ErrorMessage error={channels.error} /> : null}
      {channels.isPending ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No channels yet: alerts are only shown in EventSec.</p>
      ) : (
        <table className="table table-dense" aria-label="Notification channels">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Sends</th>
              <th scope="col">Enabled</th>
              <th scope="col">Test</th>
              {writable ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.map((c) => {
              const t = tests[c.id];
              return (
                <tr key={c.id}>
                  <td className="cell-strong">{c.name}</td>
                  <td>{CHANNEL_KIND_LABELS[c.kind] ?? c.kind}</td>
                  <td>
                    {LEVEL_LABELS[c.min_severity] ?? c.min_severity} and above
                    <div className="muted">{c.events?.length ? c.events.join(", ") : "all events"}</div>
                  </td>
                  <td>
                    {writable ? (
                      <label className="check-line">
                        <input type="checkbox" checked={c.enabled} disabled={toggle.isPending} onChange={() => toggle.mutate(c)} aria-label={`${c.name} enabled`} />
                        {c.enabled ? "On" : "Off"}
                      </label>
                    ) : c.enabled ? (
                      "On"
                    ) : (
                      "Off"
                    )}
                  </td>
                  <td>
                    <button type="button" className="btn btn-mini" disabled={t === "pending"} onClick={() => void test(c)} aria-label={`Test ${c.name}`}>
                      {t === "pending" ? "Testing…" : "Test"}
                    </button>
                    {t && t !== "pending" ? (
                      "error" in t && !("ok" in t) ? (
                        <div className="field-error" role="alert">
                          {t.error}
                        </div>
                      ) : "ok" in t ? (
                        <div className={t.ok ? "test-ok" : "field-error"} role={t.ok ? "status" : "alert"}>
                          {t.ok ? `Delivered (${t.status}, ${t.duration_ms} ms)` : `Failed (${t.status}): ${t.error ?? "no detail"}`}
                        </div>
                      ) : null
                    ) : null}
                  </td>
                  {writable ? (
                    <td className="cell-actions">
                      <button type="button" className="btn btn-mini btn-ghost" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                        Edit
                      </button>
                      <button type="button" className="btn btn-mini btn-danger-ghost" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
                        Delete
                      </button>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {toggle.isError ? <ErrorMessage error={toggle.error} /> : null}
      {editing ? <ChannelDialog channel={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.name}?`} confirmLabel="Delete channel" pending={remove.isPending} error={remove.error} onCancel={() => setDeleting(null)} onConfirm={() => remove.mutate(deleting)}>
          <p>Notifications stop going to this channel; its delivery log is kept.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

type ConfigDraft = Record<string, string | boolean>;

function draftOf(kind: ChannelKind, config: Record<string, unknown>): ConfigDraft {
  const d: ConfigDraft = {};
  for (const f of CONFIG_FIELDS[kind]) {
    const v = config[f.name];
    if (f.kind === "bool") d[f.name] = v === true;
    else if (f.kind === "list") d[f.name] = Array.isArray(v) ? v.join(", ") : "";
    else if (f.kind === "headers") d[f.name] = v && typeof v === "object" ? Object.entries(v as Record<string, string>).map(([k, x]) => `${k}: ${x}`).join("\n") : "";
    else if (f.kind === "security") d[f.name] = typeof v === "string" && v ? v : "starttls";
    else d[f.name] = v === undefined || v === null ? "" : String(v);
  }
  return d;
}

/** The config to send: secrets left empty are not sent, so the stored ones stay. */
export function configOf(kind: ChannelKind, d: ConfigDraft, existing: Record<string, unknown> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS[kind]) {
    const v = d[f.name];
    if (f.kind === "bool") out[f.name] = v === true;
    else if (f.kind === "number") out[f.name] = v === "" || v === undefined ? 0 : Number(v);
    else if (f.kind === "list")
      out[f.name] = String(v ?? "")
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    else if (f.kind === "headers") {
      const h: Record<string, string> = {};
      for (const line of String(v ?? "").split("\n")) {
        const i = line.indexOf(":");
        if (i > 0) h[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      out[f.name] = h;
    } else if (f.kind === "secret") {
      if (String(v ?? "") !== "" || !existing?.[`${f.name}_set`]) out[f.name] = String(v ?? "");
    } else out[f.name] = String(v ?? "");
  }
  return out;
}

function errorFor(error: unknown, name: string): string | undefined {
  if (!isApiError(error) || !error.field) return undefined;
  const f = error.field;
  return f === name || f === `config.${name}` || f.endsWith(`.${name}`) ? error.message : undefined;
}

function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: string | undefined; children: ReactNode }) {
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error ? <div className="field-hint">{hint}</div> : null}
      {error ? <div className="field-error">{error}</div> : null}
    </div>
  );
}

function ChannelDialog({ channel, onClose }: { channel: Channel | null; onClose: () => void }) {
  const id = useId();
  const me = useCurrentUser();
  const people = usePeople(me);
  const queryClient = useQueryClient();
  const [name, setName] = useState(channel?.name ?? "");
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? "email");
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const [minSeverity, setMinSeverity] = useState<Level>(channel?.min_severity ?? "high");
  const [events, setEvents] = useState<string[]>(channel?.events ?? []);
  const [groups, setGroups] = useState<string[]>(channel?.groups ?? []);
  const [config, setConfig] = useState<ConfigDraft>(draftOf(channel?.kind ?? "email", channel?.config ?? {}));
  const save = useMutation({
    mutationFn: () => {
      const body: ChannelInput = { name: name.trim(), kind, enabled, min_severity: minSeverity, events, groups, config: configOf(kind, config, channel?.kind === kind ? channel.config : null) };
      return channel ? socApi.updateChannel(channel.id, body) : socApi.createChannel(body);
    },
    onSuccess: () => (void queryClient.invalidateQueries({ queryKey: socKeys.channels }), onClose()),
  });
  const fieldNames = ["name", "kind", "min_severity", "events", "groups", ...CONFIG_FIELDS[kind].map((f) => f.name), ...CONFIG_FIELDS[kind].map((f) => `config.${f.name}`)];
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <Dialog title={channel ? `Edit ${channel.name}` : "Add a channel"} onClose={onClose} wide>
      <form className="dialog-body" onSubmit={submit} noValidate>
        <div className="form-row">
          <Field id={`${id}-name`} label="Name" error={errorFor(save.error, "name")}>
            <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field id={`${id}-kind`} label="Kind" error={errorFor(save.error, "kind")}>
            <select
              id={`${id}-kind`}
              value={kind}
              disabled={channel !== null}
              onChange={(e) => {
                const k = e.target.value as ChannelKind;
                setKind(k);
                setConfig(draftOf(k, {}));
              }}
            >
              {CHANNEL_KINDS.map((k) => (
                <option key={k} value={k}>
                  {CHANNEL_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-sev`} label="Minimum severity" error={errorFor(save.error, "min_severity")}>
            <select id={`${id}-sev`} value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as Level)}>
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {LEVEL_LABELS[l]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <label className="check-line">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
        <fieldset className="field">
          <legend>Events (none ticked: all)</legend>
          <div className="check-row">
            {NOTIFY_EVENTS.map((ev) => (
              <label key={ev} className="check-line">
                <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> {ev}
              </label>
            ))}
          </div>
        </fieldset>
        {people.groups.length ? (
          <fieldset className="field">
            <legend>Only for these work groups (none ticked: any)</legend>
            <div className="check-row">
              {people.groups.map((g) => (
                <label key={g.id} className="check-line">
                  <input type="checkbox" checked={groups.includes(g.id)} onChange={(e) => setGroups(e.target.checked ? [...groups, g.id] : groups.filter((x) => x !== g.id))} /> {g.label}
                </label>
              ))}
            </div>
          </fieldset>
        ) : null}
        <fieldset className="field">
          <legend>{CHANNEL_KIND_LABELS[kind]} settings</legend>
          <div className="config-grid">
            {CONFIG_FIELDS[kind].map((f) => {
              const fid = `${id}-c-${f.name}`;
              const err = errorFor(save.error, f.name);
              const v = config[f.name];
              const set = (x: string | boolean) => setConfig((c) => ({ ...c, [f.name]: x }));
              if (f.kind === "bool") {
                return (
                  <label key={f.name} className="check-line">
                    <input type="checkbox" checked={v === true} onChange={(e) => set(e.target.checked)} /> {f.label}
                  </label>
                );
              }
              const isSet = channel?.config?.[`${f.name}_set`] === true && channel.kind === kind;
              return (
                <Field key={f.name} id={fid} label={f.label} error={err} hint={f.kind === "secret" && isSet ? "Stored; leave empty to keep it." : f.hint}>
                  {f.kind === "security" ? (
                    <select id={fid} value={String(v ?? "starttls")} onChange={(e) => set(e.target.value)}>
                      <option value="starttls">STARTTLS</option>
                      <option value="tls">TLS (implicit)</option>
                      <option value="none">None (plain text)</option>
                    </select>
                  ) : f.kind === "headers" ? (
                    <textarea id={fid} rows={3} className="mono" value={String(v ?? "")} onChange={(e) => set(e.target.value)} />
                  ) : (
                    <input
                      id={fid}
                      type={f.kind === "secret" ? "password" : f.kind === "number" ? "number" : "text"}
                      autoComplete={f.kind === "secret" ? "new-password" : "off"}
                      placeholder={f.kind === "secret" && isSet ? "••••••••" : undefined}
                      value={String(v ?? "")}
                      onChange={(e) => set(e.target.value)}
                    />
                  )}
                </Field>
              );
            })}
          </div>
        </fieldset>
        <FormAlert error={save.error} fields={fieldNames} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {channel ? "Save channel" : "Add channel"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Deliveries() {
  const [status, setStatus] = useState("");
  const [channel, setChannel] = useState("");
  const channels = useChannels();
  const q = { ...(status ? { status } : {}), ...(channel ? { channel } : {}), limit: 50 };
  const deliveries = useInfiniteQuery({
    queryKey: socKeys.deliveries(q),
    queryFn: ({ pageParam, signal }) => socApi.listDeliveries({ ...q, ...(pageParam ? { cursor: pageParam } : {}) }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
  const rows = deliveries.data?.pages.flatMap((p) => p.deliveries) ?? [];
  return (
    <section className="card settings-card" aria-labelledby="deliveries-title">
      <div className="card-head">
        <h2 id="deliveries-title">Delivery log</h2>
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor="dl-status">Status</label>
          <select id="dl-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="sent">Sent</option>
            <option value="failed">Failed</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="dl-channel">Channel</label>
          <select id="dl-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="">Any</option>
            {(channels.data?.channels ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {deliveries.isError ? <ErrorMessage error={deliveries.error} /> : null}
      {deliveries.isPending ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">No deliveries{status ? ` with status ${status}` : ""}.</p>
      ) : (
        <table className="table table-dense" aria-label="Deliveries, newest first">
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Channel</th>
              <th scope="col">Event</th>
              <th scope="col">Title</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last error / next attempt</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td className="cell-nowrap">
                  <Time value={d.created_at} />
                </td>
                <td>{d.channel_name || d.channel_id}</td>
                <td className="mono">{d.event}</td>
                <td>{d.title}</td>
                <td>
                  <span className={`delivery-status delivery-${d.status}`}>{d.status}</span>
                </td>
                <td className="num">{d.attempts}</td>
                <td>
                  {d.last_error ? <span className="field-error">{d.last_error}</span> : null}
                  {d.status === "pending" && d.next_attempt_at ? (
                    <span className="muted">
                      {" "}
                      next <Time value={d.next_attempt_at} />
                    </span>
                  ) : null}
                  {d.sent_at ? (
                    <span className="muted">
                      sent <Time value={d.sent_at} />
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deliveries.hasNextPage ? (
        <button type="button" className="btn btn-small" disabled={deliveries.isFetchingNextPage} onClick={() => void deliveries.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

const SEVERITIES: readonly Level[] = [...LEVELS].reverse();

function SlaSettingsCard({ writable }: { writable: boolean }) {
  const sla = useSla();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Record<string, { ack: string; resolve: string }> | null>(null);
  const current: Record<string, { ack: string; resolve: string }> =
    draft ??
    Object.fromEntries(SEVERITIES.map((s) => [s, { ack: String(sla.data?.sla?.[s]?.ack_minutes ?? ""), resolve: String(sla.data?.sla?.[s]?.resolve_minutes ?? "") }]));
  const save = useMutation({
    mutationFn: () => {
      const body = Object.fromEntries(SEVERITIES.map((s) => [s, { ack_minutes: Number(current[s]?.ack || 0), resolve_minutes: Number(current[s]?.resolve || 0) }])) as SlaSettings;
      return socApi.putSla(body);
    },
    onSuccess: (r) => {
      queryClient.setQueryData(socKeys.sla, r);
      setDraft(null);
    },
  });
  const set = (s: Level, k: "ack" | "resolve", v: string) => setDraft({ ...current, [s]: { ...(current[s] ?? { ack: "", resolve: "" }), [k]: v } });
  return (
    <section className="card settings-card" aria-labelledby="sla-title">
      <div className="card-head">
        <h2 id="sla-title">SLA targets</h2>
        <span className="muted card-head-note">Minutes from an alert or incident opening to its acknowledgement and to its resolution.</span>
      </div>
      {sla.isError ? <ErrorMessage error={sla.error} /> : null}
      {sla.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <table className="table table-compact" aria-label="SLA per severity">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Acknowledge within (minutes)</th>
                <th scope="col">Resolve within (minutes)</th>
              </tr>
            </thead>
            <tbody>
              {SEVERITIES.map((s) => (
                <tr key={s}>
                  <th scope="row">{LEVEL_LABELS[s]}</th>
                  <td>
                    <input type="number" min={0} aria-label={`${LEVEL_LABELS[s]}: acknowledge within (minutes)`} value={current[s]?.ack ?? ""} disabled={!writable} onChange={(e) => set(s, "ack", e.target.value)} />
                  </td>
                  <td>
                    <input type="number" min={0} aria-label={`${LEVEL_LABELS[s]}: resolve within (minutes)`} value={current[s]?.resolve ?? ""} disabled={!writable} onChange={(e) => set(s, "resolve", e.target.value)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {save.isError ? <ErrorMessage error={save.error} /> : null}
          {save.isSuccess && !draft ? (
            <p className="test-ok" role="status">
              SLA targets saved.
            </p>
          ) : null}
          {writable ? (
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={save.isPending || !draft}>
                Save SLA targets
              </button>
            </div>
          ) : null}
        </form>
      )}
    </section>
  );
}
