// One alert (/alerts/:id): what raised it (the rule, ATT&CK by name), who
// and what it is about (entities, each a search in Events around the
// alert), when and how often, and the events that matched, each opening
// the event drawer. Its status changes from here; repeats arrive live.

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../api/client";
import { detectionKeys, useAlert, type Alert, type AlertDetail, type AlertEntities } from "../api/detection";
import type { LiveMessage, SecurityEvent } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { EventDrawer } from "../events/EventDrawer";
import { EventsTable } from "../events/EventsTable";
import { DEFAULT_COLUMNS } from "../events/fields";
import { eventsLink, fieldClause, type TimeRange } from "../events/searchState";
import { useLive } from "../live/socket";
import { TacticList, TechniqueList } from "../rules/AttackList";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { STATUS_ACTIONS, StatusBadge, useAlertPatch } from "./AlertStatus";
import "../rules/rules.css";
import "./alerts.css";

/** The entity kinds, the event fields each is searched in, and their names. */
export const ENTITY_KINDS: ReadonlyArray<{ key: keyof AlertEntities; label: string; fields: readonly string[] }> = [
  { key: "hosts", label: "Hosts", fields: ["host.name"] },
  { key: "users", label: "Users", fields: ["user.name"] },
  { key: "ips", label: "IP addresses", fields: ["source.ip", "destination.ip"] },
  { key: "processes", label: "Processes", fields: ["process.name"] },
  { key: "files", label: "Files", fields: ["file.path"] },
  { key: "domains", label: "Domains", fields: ["url.domain", "dns.question.name"] },
];

const HOUR = 3600_000;

/** From an hour before the alert's first event to an hour after its last. */
export function aroundAlert(a: Pick<Alert, "first_seen" | "last_seen">): TimeRange {
  const first = new Date(a.first_seen).getTime();
  const last = new Date(a.last_seen).getTime();
  if (Number.isNaN(first) || Number.isNaN(last)) return { kind: "preset", preset: "30d" };
  return { kind: "absolute", from: new Date(first - HOUR).toISOString(), to: new Date(last + HOUR).toISOString() };
}

/** The Events search for one entity: `host.name:"web-1"`, or each field OR-ed. */
export function entityQuery(fields: readonly string[], value: string): string {
  return fields.map((f) => fieldClause(f, value)).join(" OR ");
}

export function AlertDetailPage() {
  const me = useCurrentUser();
  const { id = "" } = useParams();
  if (!hasPermission(me, "alerts:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Alert</h1>
        </header>
        <AccessDenied area="Alerts" role={me.role} />
      </section>
    );
  }
  return <AlertView id={id} writable={hasPermission(me, "alerts:write")} canReadRules={hasPermission(me, "rules:read")} meId={me.id} />;
}

function AlertView({ id, writable, canReadRules, meId }: { id: string; writable: boolean; canReadRules: boolean; meId: string }) {
  const alert = useAlert(id);
  const queryClient = useQueryClient();
  useDocumentTitle(alert.data ? `${alert.data.title} · Alerts` : "Alert");

  // A repeat folded in, or a change made elsewhere: read the alert again.
  const onMessage = useCallback(
    (msg: LiveMessage) => {
      if (msg.channel !== "alerts" || msg.type !== "alert_updated") return;
      const a = msg.data as Alert | null;
      if (a?.id === id) void queryClient.invalidateQueries({ queryKey: detectionKeys.alert(id) });
    },
    [id, queryClient],
  );
  useLive(["alerts"], "", true, onMessage);

  if (alert.isPending) {
    return (
      <div className="page-center" role="status">
        Loading the alert…
      </div>
    );
  }
  // A failed refresh of an alert already shown keeps it on screen.
  if (alert.isError && !alert.data) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">{isApiError(alert.error) && alert.error.status === 404 ? "Alert not found" : "Alert"}</h1>
        </header>
        <ErrorMessage error={alert.error} />
        <p>
          <Link to="/alerts">Back to the alerts</Link>
        </p>
      </section>
    );
  }
  if (!alert.data) return null;
  return <AlertBody alert={alert.data} writable={writable} canReadRules={canReadRules} meId={meId} />;
}

function AlertBody({ alert: a, writable, canReadRules, meId }: { alert: AlertDetail; writable: boolean; canReadRules: boolean; meId: string }) {
  const navigate = useNavigate();
  const patch = useAlertPatch();
  const [open, setOpen] = useState<SecurityEvent | null>(null);
  const around = useMemo(() => aroundAlert(a), [a]);
  const events = useMemo(() => [...(a.events ?? [])].sort((x, y) => y["@timestamp"].localeCompare(x["@timestamp"])), [a.events]);
  const onFilter = useCallback(
    (field: string, value: string | number | boolean, exclude: boolean) => navigate(eventsLink(fieldClause(field, value, exclude), around)),
    [navigate, around],
  );
  const actions = STATUS_ACTIONS.filter((x) => x.from.includes(a.status));
  const groups = Object.entries(a.group ?? {});
  const entityKinds = ENTITY_KINDS.filter((k) => (a.entities?.[k.key] ?? []).length > 0);

  return (
    <section className="page page-wide alert-page" aria-labelledby="page-title">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/alerts">Alerts</Link> <span aria-hidden="true">/</span> <span>Alert</span>
      </nav>
      <header className="page-header page-header-row">
        <div className="rule-heading">
          <h1 id="page-title">{a.title || a.rule_title}</h1>
          <div className="rule-meta-line">
            <LevelBadge level={a.severity} />
            <StatusBadge status={a.status} />
            {a.count > 1 ? <span className="badge">Seen {a.count.toLocaleString()} times</span> : null}
            <span className="muted">
              Last seen <Time value={a.last_seen} />
            </span>
          </div>
        </div>
        {writable ? (
          <div className="page-actions" role="group" aria-label="Change the status">
            {actions.map((x) => (
              <button
                key={x.to}
                type="button"
                className={x.to === "resolved" ? "btn btn-primary" : "btn"}
                disabled={patch.isPending}
                onClick={() => patch.mutate({ id: a.id, patch: { status: x.to } })}
              >
                {x.label}
              </button>
            ))}
            {a.assignee !== meId ? (
              <button type="button" className="btn btn-ghost" disabled={patch.isPending} onClick={() => patch.mutate({ id: a.id, patch: { assignee: meId } })}>
                Assign to me
              </button>
            ) : null}
          </div>
        ) : null}
      </header>
      {patch.isError ? <ErrorMessage error={patch.error} /> : null}

      <div className="alert-grid">
        <section className="card editor-card" aria-labelledby="alert-about">
          <h2 id="alert-about">About</h2>
          {a.description ? <p className="rule-description">{a.description}</p> : null}
          <dl className="facts">
            <div>
              <dt>Rule</dt>
              <dd>{canReadRules && a.rule_id ? <Link to={`/rules/${encodeURIComponent(a.rule_id)}`}>{a.rule_title || a.rule_id}</Link> : a.rule_title || a.rule_id}</dd>
            </div>
            <div>
              <dt>Rule kind</dt>
              <dd>{a.rule_kind || <span className="muted">—</span>}</dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd>
                <Time value={a.first_seen} />
              </dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd>
                <Time value={a.last_seen} />
              </dd>
            </div>
            <div>
              <dt>Count</dt>
              <dd>{a.count.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Assignee</dt>
              <dd>{a.assignee ? a.assignee === meId ? "You" : <code>{a.assignee}</code> : <span className="muted">nobody</span>}</dd>
            </div>
            <div className="facts-wide">
              <dt>Dedup key</dt>
              <dd>
                <code className="dedup">{a.dedup_key || "—"}</code>
              </dd>
            </div>
            <div className="facts-wide">
              <dt>ATT&amp;CK tactics</dt>
              <dd>
                <TacticList tactics={a.tactics} />
              </dd>
            </div>
            <div className="facts-wide">
              <dt>ATT&amp;CK techniques</dt>
              <dd>
                <TechniqueList techniques={a.techniques} link={canReadRules} />
              </dd>
            </div>
          </dl>
        </section>

        <section className="card editor-card" aria-labelledby="alert-entities">
          <h2 id="alert-entities">Entities</h2>
          {entityKinds.length === 0 ? (
            <p className="muted">The matching events name no host, user, address, process, file or domain.</p>
          ) : (
            <dl className="entities">
              {entityKinds.map((k) => (
                <div key={k.key}>
                  <dt>{k.label}</dt>
                  <dd>
                    <ul className="entity-list">
                      {(a.entities[k.key] ?? []).map((v) => (
                        <li key={v}>
                          <Link
                            to={eventsLink(entityQuery(k.fields, v), around)}
                            className="entity-link mono"
                            title={`Search Events for ${entityQuery(k.fields, v)}, from an hour before this alert to an hour after`}
                          >
                            {v}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              ))}
            </dl>
          )}
          {groups.length > 0 ? (
            <>
              <h3 className="group-title">Grouped by</h3>
              <dl className="kv-list group-values" aria-label="Group values">
                {groups.map(([k, v]) => (
                  <div key={k} className="kv-row">
                    <dt className="tree-key">{k}</dt>
                    <dd className="tree-value">{v}</dd>
                  </div>
                ))}
              </dl>
            </>
          ) : null}
        </section>
      </div>

      <section aria-labelledby="alert-events">
        <div className="card-head">
          <h2 id="alert-events">Matching events</h2>
          <span className="muted card-head-note">
            {events.length === 0
              ? ""
              : `${events.length.toLocaleString()} shown${a.event_ids.length > events.length ? ` of ${a.event_ids.length.toLocaleString()} kept` : ""}${a.count > a.event_ids.length ? `; ${a.count.toLocaleString()} matched in all` : ""}`}
          </span>
        </div>
        {events.length === 0 ? (
          <div className="empty empty-left">
            <p>{a.event_ids.length > 0 ? "The matching events are no longer stored (retention removed them)." : "This alert lists no events."}</p>
          </div>
        ) : (
          <EventsTable events={events} columns={DEFAULT_COLUMNS} onOpen={setOpen} openId={open?.id ?? null} caption="Events that matched this alert, newest first" />
        )}
      </section>

      {open ? <EventDrawer event={open} onClose={() => setOpen(null)} onFilter={onFilter} /> : null}
    </section>
  );
}
