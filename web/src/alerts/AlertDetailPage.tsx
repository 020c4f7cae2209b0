// One alert (/alerts/:id): what raised it (the rule, ATT&CK by name), who
// and what it is about (entities, each a search in Events around the
// alert), when and how often, and the events that matched, each opening
// the event drawer. It is worked from here: acknowledged, assigned to a
// person or a group, escalated, resolved or closed with a verdict (a false
// positive may become a rule exception), added to an incident, contained,
// deleted and restored. Related alerts, its history and the war-room notes
// follow; repeats and changes arrive live.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../api/client";
import { detectionKeys, type Alert, type AlertStatus } from "../api/detection";
import { CLOSING_STATUSES, socApi, socKeys, useAlertEvents, useAlertHistory, useRelatedAlerts, type TriageAlertDetail } from "../api/soc";
import type { LiveMessage, Me, SecurityEvent } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { EventDrawer } from "../events/EventDrawer";
import { EventsTable } from "../events/EventsTable";
import { DEFAULT_COLUMNS } from "../events/fields";
import { eventsLink, fieldClause } from "../events/searchState";
import { useLive } from "../live/socket";
import { TacticList, TechniqueList } from "../rules/AttackList";
import { LevelBadge } from "../rules/LevelBadge";
import { AddToIncidentDialog } from "../incidents/IncidentDialogs";
import { SlaBadge } from "../incidents/SlaBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime, Time } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { unwrap } from "../ui/unwrap";
import { NotesPanel, handleNoteMessage } from "../warroom/NotesPanel";
import { STATUS_ACTIONS, StatusBadge } from "./AlertStatus";
import { ContainmentPanel, alertTargets, handleActionMessage } from "./Containment";
import { entityItems, type EntityKind } from "./entities";
import { alertEventsLink, aroundAlert, relatedActivityLink } from "./eventLinks";
import { AssignDialog, CloseDialog, EscalateDialog, VerdictBadge, closePatch, useStoreAlert, useTriagePatch } from "./TriageDialogs";
import "../rules/rules.css";
import "./alerts.css";

/**
 * The entity kinds, the event fields each is searched in (those the server
 * reads an alert's entities from, internal/detect's entityFields), and
 * their names.
 */
/**
 * The kinds of an alert's entities and the Events fields to look for them
 * in. ECS's related.user, related.ip and related.hosts stand for every
 * field of their kind (the server widens them), so a link shows one short
 * query; processes, files and domains have no related.* and OR their fields.
 */
export const ENTITY_KINDS: ReadonlyArray<{ key: EntityKind; label: string; fields: readonly string[] }> = [
  { key: "hosts", label: "Hosts", fields: ["related.hosts"] },
  { key: "users", label: "Users", fields: ["related.user"] },
  { key: "ips", label: "IP addresses", fields: ["related.ip"] },
  { key: "processes", label: "Processes", fields: ["process.executable", "process.name", "process.parent.executable"] },
  { key: "files", label: "Files", fields: ["file.path", "file.name"] },
  { key: "domains", label: "Domains", fields: ["dns.question.name", "url.domain", "destination.domain"] },
];

export { aroundAlert };

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
  return <AlertView id={id} writable={hasPermission(me, "alerts:write")} canReadRules={hasPermission(me, "rules:read")} me={me} />;
}

function AlertView({ id, writable, canReadRules, me }: { id: string; writable: boolean; canReadRules: boolean; me: Me }) {
  const alert = useQuery({ queryKey: socKeys.alert(id), queryFn: ({ signal }) => socApi.getAlert(id, signal), enabled: id !== "" });
  const queryClient = useQueryClient();
  useDocumentTitle(alert.data ? `${alert.data.title} · Alerts` : "Alert");

  // A repeat folded in, or a change made elsewhere: read the alert again.
  // The incidents channel brings its notes and its actions' states.
  const onMessage = useCallback(
    (msg: LiveMessage) => {
      handleNoteMessage(queryClient, msg);
      handleActionMessage(queryClient, msg);
      if (msg.channel !== "alerts" || msg.type !== "alert_updated") return;
      const a = msg.data as Alert | null;
      if (a?.id === id) {
        void queryClient.invalidateQueries({ queryKey: detectionKeys.alert(id) });
        void queryClient.invalidateQueries({ queryKey: socKeys.alertHistory(id) });
      }
    },
    [id, queryClient],
  );
  const live = useLive(me.permissions.includes("incidents:read") ? ["alerts", "incidents"] : ["alerts"], "", true, onMessage);

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
  return <AlertBody alert={alert.data} writable={writable} canReadRules={canReadRules} me={me} live={live} />;
}

type Open = null | "assign" | "escalate" | "incident" | "delete" | { close: AlertStatus };

function AlertBody({ alert: a, writable, canReadRules, me, live }: { alert: TriageAlertDetail; writable: boolean; canReadRules: boolean; me: Me; live: string }) {
  const meId = me.id;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const store = useStoreAlert();
  const patch = useTriagePatch();
  const [dialog, setDialog] = useState<Open>(null);
  const [closeWarnings, setCloseWarnings] = useState<string[] | undefined>(undefined);
  const closeDialog = () => {
    setDialog(null);
    patch.reset();
    escalate.reset();
    remove.reset();
  };
  const escalate = useMutation({
    mutationFn: (req: Parameters<typeof socApi.escalateAlert>[1]) => socApi.escalateAlert(a.id, req),
    onSuccess: (saved) => (store(saved), setDialog(null)),
  });
  const remove = useMutation({
    mutationFn: () => socApi.deleteAlert(a.id),
    onSuccess: () => {
      setDialog(null);
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
    },
  });
  const restore = useMutation({ mutationFn: () => socApi.restoreAlert(a.id), onSuccess: (saved) => (store(saved), void queryClient.invalidateQueries({ queryKey: socKeys.alert(a.id) })) });
  const canDelete = hasPermission(me, "alerts:delete");
  const targets = useMemo(() => alertTargets(a), [a]);
  const [open, setOpen] = useState<SecurityEvent | null>(null);
  const around = useMemo(() => aroundAlert(a), [a]);
  const onFilter = useCallback(
    (field: string, value: string | number | boolean, exclude: boolean) => navigate(eventsLink(fieldClause(field, value, exclude), around)),
    [navigate, around],
  );
  const actions = STATUS_ACTIONS.filter((x) => x.to !== "escalated" && x.from.includes(a.status));
  const deleted = !!a.deleted_at;
  const what = `“${a.title || a.rule_title}”`;
  const groups = Object.entries(a.group ?? {});
  const entityKinds = ENTITY_KINDS.map((k) => ({ ...k, items: entityItems(a.entities, k.key) })).filter((k) => k.items.length > 0);

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
            <VerdictBadge verdict={a.verdict} />
            <SlaBadge sla={a.sla} acknowledged={a.acknowledged_at} resolved={a.resolved_at ?? (a.status === "resolved" || a.status === "closed" ? a.updated_at : null)} />
            {a.count > 1 ? <span className="badge">Seen {a.count.toLocaleString()} times</span> : null}
            <span className="muted">
              Last seen <Time value={a.last_seen} zone />
            </span>
          </div>
        </div>
        {writable && !deleted ? (
          <div className="page-actions alert-actions">
            <div className="action-row" role="group" aria-label="Change the status">
              {actions.map((x) => (
                <button
                  key={x.to}
                  type="button"
                  className={x.to === "resolved" ? "btn btn-primary" : "btn"}
                  disabled={patch.isPending}
                  onClick={() => (CLOSING_STATUSES.includes(x.to) ? (patch.reset(), setDialog({ close: x.to })) : patch.mutate({ id: a.id, patch: { status: x.to } }))}
                >
                  {x.label}
                </button>
              ))}
            </div>
            <div className="action-row" role="group" aria-label="Work this alert">
              {a.assignee !== meId ? (
                <button type="button" className="btn btn-ghost" disabled={patch.isPending} onClick={() => patch.mutate({ id: a.id, patch: { assignee: meId } })}>
                  Assign to me
                </button>
              ) : null}
              <button type="button" className="btn btn-ghost" onClick={() => setDialog("assign")}>
                Assign…
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setDialog("escalate")}>
                Escalate…
              </button>
              {hasPermission(me, "incidents:write") ? (
                <button type="button" className="btn btn-ghost" onClick={() => setDialog("incident")}>
                  {a.incident_id ? "Move to incident…" : "Add to incident…"}
                </button>
              ) : null}
              {canDelete ? (
                <button type="button" className="btn btn-danger-ghost" onClick={() => setDialog("delete")}>
                  Delete…
                </button>
              ) : null}
            </div>
          </div>
        ) : null}
      </header>
      {deleted ? (
        <div className="alert alert-warning" role="status">
          This alert is in the trash since <Time value={a.deleted_at} zone />; it is removed for good 30 days after.{" "}
          {canDelete ? (
            <button type="button" className="btn btn-small" disabled={restore.isPending} onClick={() => restore.mutate()}>
              Restore
            </button>
          ) : null}
        </div>
      ) : null}
      {restore.isError ? <ErrorMessage error={restore.error} /> : null}
      {remove.isSuccess && !deleted ? (
        <div className="alert alert-success" role="status">
          Deleted: the alert is in the trash for 30 days. <Link to="/alerts?trash=1">Open the trash</Link>
        </div>
      ) : null}
      {patch.isError && dialog === null ? <ErrorMessage error={patch.error} /> : null}
      {dialog === "assign" ? (
        <AssignDialog what={what} pending={patch.isPending} error={patch.error} onCancel={closeDialog} onSubmit={(p) => patch.mutate({ id: a.id, patch: p }, { onSuccess: () => setDialog(null) })} />
      ) : null}
      {dialog === "escalate" ? <EscalateDialog what={what} pending={escalate.isPending} error={escalate.error} onCancel={closeDialog} onSubmit={(req) => escalate.mutate(req)} /> : null}
      {dialog === "incident" ? <AddToIncidentDialog alertIds={[a.id]} defaults={{ title: a.title || a.rule_title, severity: a.severity }} onClose={closeDialog} /> : null}
      {dialog === "delete" ? (
        <ConfirmDialog title={`Delete ${what}?`} confirmLabel="Delete alert" pending={remove.isPending} error={remove.error} onCancel={closeDialog} onConfirm={() => remove.mutate()}>
          <p>The alert goes to the trash: hidden from the queue, restorable for 30 days, then removed for good.</p>
        </ConfirmDialog>
      ) : null}
      {dialog !== null && typeof dialog === "object" ? (
        <CloseDialog
          status={dialog.close}
          alert={a}
          pending={patch.isPending}
          error={patch.error}
          onCancel={() => {
            closeDialog();
            setCloseWarnings(undefined);
          }}
          onSubmit={(r) =>
            patch.mutate(
              { id: a.id, patch: closePatch(r) },
              { onSuccess: (saved) => (saved.exception_warnings?.length ? setCloseWarnings(saved.exception_warnings) : setDialog(null)) },
            )
          }
          warnings={closeWarnings}
        />
      ) : null}

      <div className="alert-grid">
        <section className="card editor-card" aria-labelledby="alert-about">
          <h2 id="alert-about">About</h2>
          {a.description ? <p className="rule-description">{unwrap(a.description)}</p> : null}
          <dl className="facts">
            <div>
              <dt>Rule</dt>
              <dd>
                {canReadRules && a.rule_id ? <Link to={`/rules/${encodeURIComponent(a.rule_id)}`}>{a.rule_title || a.rule_id}</Link> : a.rule_title || a.rule_id}
                {a.rule_name && a.rule_name !== (a.rule_title || a.rule_id) ? (
                  <>
                    {" › "}
                    <span title={a.rule_document_id ? `Document ${a.rule_document_id} of the rule's file` : undefined}>{a.rule_name}</span>
                  </>
                ) : null}
              </dd>
            </div>
            <div>
              <dt>Rule kind</dt>
              <dd>{a.rule_kind || <span className="muted">—</span>}</dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd>
                <Time value={a.first_seen} zone />
              </dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd>
                <Time value={a.last_seen} zone />
              </dd>
            </div>
            <div>
              <dt>Count</dt>
              <dd>{a.count.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Assignee</dt>
              <dd>{a.assignee ? a.assignee === meId ? "You" : a.assignee_email || <code>{a.assignee}</code> : <span className="muted">nobody</span>}</dd>
            </div>
            <div>
              <dt>Work group</dt>
              <dd>{a.assignee_group ? a.assignee_group_name || <code>{a.assignee_group}</code> : <span className="muted">none</span>}</dd>
            </div>
            <div>
              <dt>Verdict</dt>
              <dd>{a.verdict ? <VerdictBadge verdict={a.verdict} /> : <span className="muted">not yet</span>}</dd>
            </div>
            <div>
              <dt>Incident</dt>
              <dd>{a.incident_id ? <Link to={`/incidents/${encodeURIComponent(a.incident_id)}`}>Open the incident</Link> : <span className="muted">none</span>}</dd>
            </div>
            <div>
              <dt>Acknowledged</dt>
              <dd>
                <Time value={a.acknowledged_at} empty="not yet" zone />
              </dd>
            </div>
            <div>
              <dt>Resolved</dt>
              <dd>
                <Time value={a.resolved_at} empty="not yet" zone />
              </dd>
            </div>
            {a.escalation ? (
              <div className="facts-wide">
                <dt>Escalated</dt>
                <dd>
                  to <span className="cell-strong">{a.escalation.to_group_name || a.escalation.to_user_email || a.escalation.to_group || a.escalation.to_user}</span> by{" "}
                  {a.escalation.by_email || a.escalation.by}, <Time value={a.escalation.at} zone />: “{a.escalation.reason}”
                </dd>
              </div>
            ) : null}
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
                      {k.items.map(({ value, label }) => (
                        <li key={value}>
                          <Link
                            to={eventsLink(entityQuery(k.fields, value), around)}
                            className="entity-link mono"
                            title={`${label}\nSearch Events for ${entityQuery(k.fields, value)}, from an hour before this alert to an hour after`}
                          >
                            {label}
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

      <AlertEvents alert={a} onOpen={setOpen} openId={open?.id ?? null} />

      <ContainmentPanel targets={targets} alertId={a.id} canExecute={hasPermission(me, "response:execute") && !deleted} />

      <div className="alert-grid">
        <RelatedAlerts id={a.id} />
        <History id={a.id} />
      </div>

      {hasPermission(me, "incidents:read") ? <NotesPanel type="alert" id={a.id} title={a.title || a.rule_title} writable={hasPermission(me, "incidents:write")} liveStatus={live} /> : null}

      {open ? <EventDrawer event={open} onClose={() => setOpen(null)} onFilter={onFilter} /> : null}
    </section>
  );
}

/**
 * The events that matched: first the up to 50 the alert comes with, then,
 * a "Load more" at a time, every other one the server finds again by
 * running the rule over the alert's span (the alert keeps the IDs of its
 * last 100 only, so its count is no promise of how many are still stored).
 * The first page is asked for at once, unseen, for the Events link's
 * filter: the link then opens the very reading the server did.
 */
function AlertEvents({ alert: a, onOpen, openId }: { alert: TriageAlertDetail; onOpen: (e: SecurityEvent) => void; openId: string | null }) {
  const q = useAlertEvents(a.id, true);
  const [reading, setReading] = useState(false);
  const pages = q.data?.pages ?? [];
  const first = pages[0];
  // A correlation's or a scheduled query's alert lists its events itself (409).
  const listed = q.isError && isApiError(q.error) && q.error.status === 409;
  const events = useMemo(() => {
    const byId = new Map<string, SecurityEvent>();
    for (const e of a.events ?? []) byId.set(e.id, e);
    if (reading) for (const p of pages) for (const e of p.events) byId.set(e.id, e);
    return [...byId.values()].sort((x, y) => y["@timestamp"].localeCompare(x["@timestamp"]));
  }, [a.events, pages, reading]);
  const done = reading && pages.length > 0 && !q.hasNextPage;
  // Before the reading the alert itself says whether it has more: its count or the IDs it kept.
  const more = listed ? false : reading ? q.hasNextPage || q.isPending : a.count > events.length || a.event_ids.length > events.length;
  const loading = reading && (q.isPending || q.isFetchingNextPage);
  const loadMore = () => {
    if (!reading) {
      setReading(true);
      // The first page, read already, is the first "more"; else it is on its way.
      if (first && first.events.every((e) => events.some((x) => x.id === e.id)) && q.hasNextPage) void q.fetchNextPage();
      return;
    }
    void q.fetchNextPage();
  };
  // Exactly its events: their ids over its span. The wider reading is
  // everything about its hosts, users and IPs an hour either side.
  const link = useMemo(() => alertEventsLink(a), [a]);
  const related = useMemo(() => relatedActivityLink(a), [a]);
  const shown = events.length.toLocaleString();
  return (
    <section aria-labelledby="alert-events">
      <div className="card-head">
        <h2 id="alert-events">Matching events</h2>
        <span className="card-head-note alert-events-links">
          {link.to ? (
            <Link to={link.to} title={`Search Events for the ${link.shown.toLocaleString()} events of this alert, first to last seen`} aria-describedby={link.note ? "alert-events-link-note" : undefined}>
              Open in Events
            </Link>
          ) : null}
          {link.to && related ? " · " : null}
          {related ? (
            <Link to={related} title="Search Events for everything about the alert's hosts, users and IP addresses, from an hour before its first event to an hour after its last">
              Related activity (wider)
            </Link>
          ) : null}
        </span>
      </div>
      {link.note ? (
        <p className="muted card-hint" id="alert-events-link-note">
          {link.note}
        </p>
      ) : null}
      {events.length === 0 && !more ? (
        <div className="empty empty-left">
          <p>{a.event_ids.length > 0 || done ? "The matching events are no longer stored (retention removed them)." : "This alert lists no events."}</p>
        </div>
      ) : null}
      {events.length > 0 ? <EventsTable events={events} columns={DEFAULT_COLUMNS} onOpen={onOpen} openId={openId} caption="Events that matched this alert, newest first" /> : null}
      <p className="alert-events-more">
        <span id="alert-events-shown" role="status">
          {done ? `Showing all ${shown} of the alert's events found in its span` : `Showing ${shown} of the alert's events`}
        </span>
        {more ? (
          <>
            {" · "}
            <button type="button" className="btn btn-small" aria-describedby="alert-events-shown" disabled={loading} onClick={loadMore}>
              {loading ? "Loading…" : "Load more"}
            </button>
          </>
        ) : null}
      </p>
      {reading && q.isError && !listed ? <ErrorMessage error={q.error} /> : null}
      {done && events.length < a.count ? (
        <p className="muted">
          The others are no longer stored (retention removed them), or no longer match the rule as it is now (it or its exceptions changed since).
        </p>
      ) : null}
    </section>
  );
}

const SHARED_LABELS: Record<string, string> = { host: "host", user: "user", ip: "IP" };

function RelatedAlerts({ id }: { id: string }) {
  const related = useRelatedAlerts(id);
  const list = related.data?.related ?? [];
  return (
    <section className="card editor-card" aria-labelledby="alert-related">
      <h2 id="alert-related">Related alerts</h2>
      <p className="muted card-hint">Alerts within 24 hours that share a host, a user or an IP address with this one.</p>
      {related.isError ? <ErrorMessage error={related.error} /> : null}
      {related.isPending ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No related alert.</p>
      ) : (
        <ul className="plain-list related-list">
          {list.map((r) => (
            <li key={r.alert.id}>
              <LevelBadge level={r.alert.severity} /> <Link to={`/alerts/${encodeURIComponent(r.alert.id)}`}>{r.alert.title || r.alert.rule_title}</Link>{" "}
              <StatusBadge status={r.alert.status} />
              <span className="muted">
                {" "}
                shares {r.shared.map((x) => `${SHARED_LABELS[x.kind] ?? x.kind} ${x.value}`).join(", ")} · <CompactTime value={r.alert.last_seen} zone />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function History({ id }: { id: string }) {
  const history = useAlertHistory(id);
  const list = history.data?.history ?? [];
  return (
    <section className="card editor-card" aria-labelledby="alert-history">
      <h2 id="alert-history">History</h2>
      {history.isError ? <ErrorMessage error={history.error} /> : null}
      {history.isPending ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">Nothing done on this alert yet.</p>
      ) : (
        <ol className="history-list" aria-label="What was done, oldest first">
          {list.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              <CompactTime value={h.at} zone /> <span className="cell-strong">{h.actor_email || h.actor || "EventSec"}</span> {h.action}
              {h.detail ? <span className="muted"> — {h.detail}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
