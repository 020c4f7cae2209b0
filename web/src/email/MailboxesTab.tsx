// The org's e-mail protection settings (own domains, protected brands,
// executives, what is quarantined) and the mailboxes polled for new
// messages: IMAP, Gmail or Microsoft 365. Secrets are never shown; a
// secret left empty keeps its stored value.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import {
  pollMailbox,
  putEmailSettings,
  useEmailSettings,
  type EmailSettings,
  type MailboxConfig,
  type MailboxInput,
  type MailboxKind,
  type PollResult,
  type Verdict,
} from "./emailApi";

const KIND_LABELS: Record<MailboxKind, string> = { imap: "IMAP", gmail: "Gmail", graph: "Microsoft 365" };

function lines(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function emptyConfig(kind: MailboxKind): MailboxConfig {
  switch (kind) {
    case "imap":
      return { imap: { host: "", port: 993, security: "tls", username: "", password: "", folder: "INBOX", mark_seen: true } };
    case "gmail":
      return { gmail: { user: "me", query: "in:inbox", client_id: "", client_secret: "", refresh_token: "" } };
    case "graph":
      return { graph: { tenant_id: "", client_id: "", client_secret: "", user: "", folder: "inbox" } };
  }
}

export function MailboxesTab({ writable, canPoll }: { writable: boolean; canPoll: boolean }) {
  const settings = useEmailSettings(true);
  if (settings.isError) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <p role="status">Loading the settings…</p>;
  return <SettingsForm initial={settings.data} writable={writable} canPoll={canPoll} />;
}

function SettingsForm({ initial, writable, canPoll }: { initial: EmailSettings; writable: boolean; canPoll: boolean }) {
  const client = useQueryClient();
  const [domains, setDomains] = useState((initial.policy.org_domains ?? []).join("\n"));
  const [brands, setBrands] = useState((initial.policy.brands ?? []).join("\n"));
  const [execs, setExecs] = useState((initial.policy.executives ?? []).join("\n"));
  const [qv, setQv] = useState<Verdict>(initial.quarantine_verdict);
  const [raise, setRaise] = useState(initial.raise_alerts);
  const [boxes, setBoxes] = useState<MailboxInput[]>(() => initial.mailboxes.map((m) => ({ ...m })));
  const [polls, setPolls] = useState<Record<string, PollResult | string>>({});
  useEffect(() => setBoxes(initial.mailboxes.map((m) => ({ ...m }))), [initial]);
  const save = useMutation({
    mutationFn: () =>
      putEmailSettings({
        policy: { org_domains: lines(domains), brands: lines(brands), executives: lines(execs) },
        quarantine_verdict: qv,
        raise_alerts: raise,
        mailboxes: boxes.map(({ id, name, kind, enabled, interval_seconds, config }) => ({ id, name, kind, enabled, interval_seconds, config })),
      }),
    onSuccess: (s) => client.setQueryData(["email", "settings"], s),
  });
  const poll = useMutation({
    mutationFn: pollMailbox,
    onSuccess: (r) => {
      setPolls((p) => ({ ...p, [r.mailbox_id]: r }));
      client.invalidateQueries({ queryKey: ["email"] });
    },
    onError: (e, id) => setPolls((p) => ({ ...p, [id]: e instanceof Error ? e.message : "Poll failed" })),
  });
  const secretsOf = (id: string) => initial.mailboxes.find((m) => m.id === id)?.secrets_set ?? [];
  const update = (i: number, next: Partial<MailboxInput>) => setBoxes((bs) => bs.map((b, j) => (j === i ? { ...b, ...next } : b)));

  return (
    <form
      className="email-settings"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <section className="card" aria-label="Protection">
        <h2>Protection</h2>
        <div className="form-row">
          <div className="field">
            <label htmlFor="org-domains">Own domains</label>
            <textarea id="org-domains" rows={3} value={domains} disabled={!writable} onChange={(e) => setDomains(e.target.value)} />
            <span className="field-hint">One a line. Lookalikes of them are flagged; mail claiming them must pass DMARC.</span>
          </div>
          <div className="field">
            <label htmlFor="brands">Protected brands</label>
            <textarea id="brands" rows={3} value={brands} disabled={!writable} onChange={(e) => setBrands(e.target.value)} />
            <span className="field-hint">Names or domains (paypal, microsoft.com).</span>
          </div>
          <div className="field">
            <label htmlFor="executives">Executives</label>
            <textarea id="executives" rows={3} value={execs} disabled={!writable} onChange={(e) => setExecs(e.target.value)} />
            <span className="field-hint">Names whose display name outsiders borrow.</span>
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="q-verdict">Quarantine from</label>
            <select id="q-verdict" value={qv} disabled={!writable} onChange={(e) => setQv(e.target.value as Verdict)}>
              <option value="suspicious">Suspicious</option>
              <option value="phishing">Phishing</option>
              <option value="malicious">Malicious</option>
            </select>
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={raise} disabled={!writable} onChange={(e) => setRaise(e.target.checked)} /> Send quarantined
            messages to detection as e-mail events
          </label>
        </div>
      </section>

      <section className="card" aria-label="Mailboxes">
        <h2>Mailboxes</h2>
        {boxes.length === 0 ? <p className="empty">No mailbox is polled. Add one to analyse its new messages automatically.</p> : null}
        {boxes.map((b, i) => {
          const label = b.name || `Mailbox ${i + 1}`;
          const shown = initial.mailboxes.find((m) => m.id === b.id);
          const pr = b.id ? polls[b.id] : undefined;
          return (
            <fieldset key={b.id || `new-${i}`} className="email-mailbox">
              <legend>
                {label} <span className="muted">({KIND_LABELS[b.kind]})</span>
              </legend>
              <div className="form-row">
                <div className="field">
                  <label htmlFor={`mb-name-${i}`}>Name</label>
                  <input id={`mb-name-${i}`} value={b.name} disabled={!writable} onChange={(e) => update(i, { name: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`mb-interval-${i}`}>Poll every (seconds)</label>
                  <input
                    id={`mb-interval-${i}`}
                    type="number"
                    min={30}
                    value={b.interval_seconds}
                    disabled={!writable}
                    onChange={(e) => update(i, { interval_seconds: Number(e.target.value) })}
                  />
                </div>
                <label className="checkbox">
                  <input type="checkbox" checked={b.enabled} disabled={!writable} onChange={(e) => update(i, { enabled: e.target.checked })} />{" "}
                  Enabled
                </label>
              </div>
              <ConfigFields index={i} box={b} secrets={b.id ? secretsOf(b.id) : []} disabled={!writable} onChange={(config) => update(i, { config })} />
              {shown ? (
                <p className="muted">
                  Last poll: <Time value={shown.last_poll_at} empty="never" />
                  {shown.last_poll_at ? ` · ${shown.last_count} analysed` : ""}
                  {shown.last_error ? <span className="field-error"> · {shown.last_error}</span> : null}
                </p>
              ) : null}
              {pr ? (
                <p role="status">
                  {typeof pr === "string"
                    ? pr
                    : pr.error
                      ? `Poll failed: ${pr.error}`
                      : `Polled: ${pr.fetched} fetched, ${pr.analyzed} analysed, ${pr.quarantined} quarantined`}
                </p>
              ) : null}
              <div className="form-actions">
                {canPoll && b.id ? (
                  <button type="button" className="btn btn-small" disabled={poll.isPending} onClick={() => poll.mutate(b.id)}>
                    Poll now
                  </button>
                ) : null}
                {writable ? (
                  <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setBoxes((bs) => bs.filter((_, j) => j !== i))}>
                    Remove {label}
                  </button>
                ) : null}
              </div>
            </fieldset>
          );
        })}
        {writable ? (
          <div className="form-actions">
            {(["imap", "gmail", "graph"] as MailboxKind[]).map((k) => (
              <button
                key={k}
                type="button"
                className="btn btn-small"
                onClick={() =>
                  setBoxes((bs) => [...bs, { id: "", name: "", kind: k, enabled: true, interval_seconds: 300, config: emptyConfig(k) }])
                }
              >
                Add {KIND_LABELS[k]} mailbox
              </button>
            ))}
          </div>
        ) : null}
      </section>
      {save.isError ? <ErrorMessage error={save.error} /> : null}
      {save.isSuccess ? (
        <p className="alert alert-success" role="status">
          Settings saved.
        </p>
      ) : null}
      {writable ? (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save settings
          </button>
        </div>
      ) : null}
    </form>
  );
}

function secretHint(secrets: string[], name: string): string {
  return secrets.includes(name) ? "Stored; leave empty to keep it." : "";
}

function ConfigFields({
  index,
  box,
  secrets,
  disabled,
  onChange,
}: {
  index: number;
  box: MailboxInput;
  secrets: string[];
  disabled: boolean;
  onChange: (c: MailboxConfig) => void;
}) {
  const id = (f: string) => `mb-${f}-${index}`;
  const text = (label: string, f: string, value: string | undefined, set: (v: string) => void, type = "text", hint = "") => (
    <div className="field" key={f}>
      <label htmlFor={id(f)}>{label}</label>
      <input id={id(f)} type={type} value={value ?? ""} disabled={disabled} autoComplete="off" onChange={(e) => set(e.target.value)} />
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
  if (box.kind === "imap") {
    const c = box.config.imap ?? emptyConfig("imap").imap!;
    const set = (p: Partial<typeof c>) => onChange({ imap: { ...c, ...p } });
    return (
      <div className="form-row">
        {text("Server", "host", c.host, (v) => set({ host: v }))}
        {text("Port", "port", String(c.port), (v) => set({ port: Number(v) || 0 }), "number")}
        <div className="field">
          <label htmlFor={id("security")}>Security</label>
          <select id={id("security")} value={c.security} disabled={disabled} onChange={(e) => set({ security: e.target.value as "tls" })}>
            <option value="tls">TLS</option>
            <option value="starttls">STARTTLS</option>
            <option value="none">None (local server only)</option>
          </select>
        </div>
        {text("User name", "username", c.username, (v) => set({ username: v }))}
        {text("Password", "password", c.password, (v) => set({ password: v }), "password", secretHint(secrets, "password"))}
        {text("Folder", "folder", c.folder, (v) => set({ folder: v }))}
        {text("Move processed to", "move_to", c.move_to, (v) => set({ move_to: v }))}
        <label className="checkbox">
          <input type="checkbox" checked={c.mark_seen} disabled={disabled} onChange={(e) => set({ mark_seen: e.target.checked })} /> Mark
          processed as read
        </label>
      </div>
    );
  }
  if (box.kind === "gmail") {
    const c = box.config.gmail ?? emptyConfig("gmail").gmail!;
    const set = (p: Partial<typeof c>) => onChange({ gmail: { ...c, ...p } });
    return (
      <div className="form-row">
        {text("Mailbox", "user", c.user, (v) => set({ user: v }))}
        {text("Search", "query", c.query, (v) => set({ query: v }))}
        {text("OAuth client ID", "client_id", c.client_id, (v) => set({ client_id: v }))}
        {text("OAuth client secret", "client_secret", c.client_secret, (v) => set({ client_secret: v }), "password", secretHint(secrets, "client_secret"))}
        {text("Refresh token", "refresh_token", c.refresh_token, (v) => set({ refresh_token: v }), "password", secretHint(secrets, "refresh_token"))}
      </div>
    );
  }
  const c = box.config.graph ?? emptyConfig("graph").graph!;
  const set = (p: Partial<typeof c>) => onChange({ graph: { ...c, ...p } });
  return (
    <div className="form-row">
      {text("Tenant ID", "tenant_id", c.tenant_id, (v) => set({ tenant_id: v }))}
      {text("Client ID", "client_id", c.client_id, (v) => set({ client_id: v }))}
      {text("Client secret", "client_secret", c.client_secret, (v) => set({ client_secret: v }), "password", secretHint(secrets, "client_secret"))}
      {text("Mailbox (user)", "user", c.user, (v) => set({ user: v }))}
      {text("Folder", "folder", c.folder, (v) => set({ folder: v }))}
    </div>
  );
}
