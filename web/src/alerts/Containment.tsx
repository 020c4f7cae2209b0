// Containment from an alert or an incident: block an IP, a domain, a URL or
// a sender, isolate a host, kill a process, disable a user. Each action is
// confirmed in a dialog that names the target and what will happen, needs
// a reason, and then shows the action's state as the server reports it
// (done, queued for an agent, delivered, failed). The log below lists every
// action taken, kept current over the "incidents" live channel.

import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import type { AlertDetail } from "../api/detection";
import { ACTION_TYPES, socApi, socKeys, useResponseActions, type ActionType, type ResponseAction } from "../api/soc";
import type { LiveMessage } from "../api/types";
import { eventValue } from "../events/fields";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { FormAlert, fieldError } from "../ui/form";
import { Time, ZonedHeading } from "../ui/time";

export const ACTION_INFO: Record<ActionType, { label: string; noun: string; consequence: (t: string) => string }> = {
  block_ip: { label: "Block IP", noun: "IP address", consequence: (t) => `Connections to and from ${t} will be blocked on the enrolled endpoints until the block is lifted.` },
  block_domain: { label: "Block domain", noun: "domain", consequence: (t) => `Name lookups of and connections to ${t} will be blocked on the enrolled endpoints.` },
  block_url: { label: "Block URL", noun: "URL", consequence: (t) => `Requests to ${t} will be blocked.` },
  block_sender: { label: "Block sender", noun: "sender", consequence: (t) => `Mail from ${t} will be refused or quarantined.` },
  isolate_host: {
    label: "Isolate host",
    noun: "host",
    consequence: (t) => `${t} will lose all network access except to EventSec until it is released; its user cannot work meanwhile.`,
  },
  release_host: { label: "Release host", noun: "host", consequence: (t) => `${t} gets its network access back.` },
  kill_process: { label: "Kill process", noun: "process (host:pid)", consequence: (t) => `The process ${t} will be terminated; unsaved work in it is lost.` },
  disable_user: { label: "Disable user", noun: "user", consequence: (t) => `The account ${t} will be disabled: it can no longer sign in until re-enabled.` },
};

export const ACTION_STATE_LABELS: Record<ResponseAction["status"], string> = {
  done: "Done",
  queued: "Queued: waiting for the endpoint's agent",
  delivered: "Delivered to the agent",
  failed: "Failed",
};

export interface ActionTarget {
  type: ActionType;
  target: string;
}

/** The actions an alert suggests, from its entities and its events' URLs, senders and processes. */
export function alertTargets(a: Pick<AlertDetail, "entities" | "events">): ActionTarget[] {
  const out: ActionTarget[] = [];
  const add = (type: ActionType, target: string) => {
    if (target && !out.some((x) => x.type === type && x.target === target)) out.push({ type, target });
  };
  for (const ip of a.entities?.ips ?? []) add("block_ip", ip);
  for (const d of a.entities?.domains ?? []) add("block_domain", d);
  for (const h of a.entities?.hosts ?? []) add("isolate_host", h);
  for (const u of a.entities?.users ?? []) add("disable_user", u);
  for (const ev of a.events ?? []) {
    add("block_url", eventValue(ev, "url.full"));
    add("block_sender", eventValue(ev, "email.from.address"));
    const pid = eventValue(ev, "process.pid");
    const host = eventValue(ev, "host.name");
    if (pid && host) add("kill_process", `${host}:${pid}`);
  }
  return out.slice(0, 16);
}

/** An action's state changed (the "incidents" channel): the logs are read again. */
export function handleActionMessage(queryClient: QueryClient, msg: LiveMessage): void {
  if (msg.channel === "incidents" && msg.type === "action_updated") void queryClient.invalidateQueries({ queryKey: socKeys.allActions });
}

/** Containment buttons and the response log; the page follows the "incidents" channel and calls handleActionMessage. */
export function ContainmentPanel({ targets, alertId, incidentId, canExecute }: { targets: readonly ActionTarget[]; alertId?: string; incidentId?: string; canExecute: boolean }) {
  const [open, setOpen] = useState<ActionTarget | "other" | null>(null);
  const q = alertId ? { alert_id: alertId } : { incident_id: incidentId ?? "" };
  const actions = useResponseActions(q);

  return (
    <section className="card" aria-labelledby="containment-title">
      <div className="card-head">
        <h2 id="containment-title">Containment</h2>
      </div>
      {canExecute ? (
        <div className="containment-buttons" role="group" aria-label="Containment actions">
          {targets.map((t) => (
            <button key={`${t.type}:${t.target}`} type="button" className="btn btn-small" onClick={() => setOpen(t)}>
              {ACTION_INFO[t.type].label} <span className="mono">{t.target}</span>
            </button>
          ))}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen("other")}>
            Other action…
          </button>
        </div>
      ) : (
        <p className="muted">Containment actions need a senior analyst, a team lead or an admin (permission response:execute).</p>
      )}
      <h3 className="subhead">Response actions</h3>
      {actions.isError ? <ErrorMessage error={actions.error} /> : null}
      <ActionLog actions={actions.data?.actions ?? []} loading={actions.isPending} />
      {open ? <ActionDialog initial={open === "other" ? null : open} alertId={alertId} incidentId={incidentId} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

export function ActionLog({ actions, loading }: { actions: readonly ResponseAction[]; loading?: boolean }) {
  if (loading) return <p className="muted">Loading actions…</p>;
  if (actions.length === 0) return <p className="muted">No response action taken yet.</p>;
  return (
    <table className="table table-compact" aria-label="Response actions log">
      <thead>
        <tr>
          <th scope="col">
            <ZonedHeading label="When" />
          </th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">By</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {actions.map((x) => (
          <tr key={x.id}>
            <td className="cell-nowrap">
              <Time value={x.created_at} />
            </td>
            <td>{ACTION_INFO[x.type]?.label ?? x.type}</td>
            <td className="mono">{x.target}</td>
            <td>{x.actor_email || x.actor}</td>
            <td>
              <span className={`action-state action-${x.status}`}>{ACTION_STATE_LABELS[x.status] ?? x.status}</span>
              {x.result ? <span className="muted"> {x.result}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ActionDialog({ initial, alertId, incidentId, onClose }: { initial: ActionTarget | null; alertId?: string | undefined; incidentId?: string | undefined; onClose: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [type, setType] = useState<ActionType>(initial?.type ?? "block_ip");
  const [target, setTarget] = useState(initial?.target ?? "");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: () => {
      const req: Parameters<typeof socApi.runAction>[0] = { type, target: target.trim(), reason: reason.trim() };
      if (alertId) req.alert_id = alertId;
      if (incidentId) req.incident_id = incidentId;
      return socApi.runAction(req);
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: socKeys.allActions }),
  });
  const info = ACTION_INFO[type];
  const shown = target.trim() || `this ${info.noun}`;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!target.trim()) return setProblem(`Enter the ${info.noun}.`);
    if (!reason.trim()) return setProblem("Give a reason: it is kept in the response log.");
    setProblem(null);
    run.mutate();
  }

  const done = run.data;
  return (
    <Dialog title={done ? `${info.label}: ${done.target}` : `${info.label} ${shown}?`} onClose={onClose}>
      {done ? (
        <div className="dialog-body">
          <p role="status">
            State: <span className={`action-state action-${done.status}`}>{ACTION_STATE_LABELS[done.status] ?? done.status}</span>
          </p>
          {done.result ? <p className="muted">{done.result}</p> : null}
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <form className="dialog-body" onSubmit={submit} noValidate>
          {initial ? null : (
            <div className="form-row">
              <div className="field">
                <label htmlFor={`${id}-type`}>Action</label>
                <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as ActionType)}>
                  {ACTION_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {ACTION_INFO[t].label}
                    </option>
                  ))}
                </select>
              </div>
              <div className={fieldError(run.error, "target") ? "field field-invalid" : "field"}>
                <label htmlFor={`${id}-target`}>Target ({info.noun})</label>
                <input id={`${id}-target`} className="mono" value={target} onChange={(e) => setTarget(e.target.value)} />
                {fieldError(run.error, "target") ? <div className="field-error">{fieldError(run.error, "target")}</div> : null}
              </div>
            </div>
          )}
          <p className="alert alert-warning consequence">{info.consequence(shown)}</p>
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <textarea id={`${id}-reason`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          {problem ? (
            <div className="field-error" role="alert">
              {problem}
            </div>
          ) : null}
          <FormAlert error={run.error} fields={["target"]} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-danger" disabled={run.isPending}>
              {run.isPending ? "Sending…" : info.label}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
