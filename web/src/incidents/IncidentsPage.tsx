// Incidents (/incidents): the cases the team works, most recently updated
// first, with their SLA timers; incidents the server proposes from alerts
// that share an entity, accepted in one click; and a new incident, from
// scratch (from selected alerts it starts in the Alerts queue). Filters are
// kept in the URL; changes arrive live over the "incidents" channel.

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { Link, NavLink, useNavigate, useSearchParams } from "react-router";
import { LEVELS, LEVEL_LABELS } from "../api/detection";
import { INCIDENT_STATUSES, INCIDENT_STATUS_LABELS, socApi, socKeys, useIncidents, useProposals, type Incident, type IncidentQuery, type Proposal } from "../api/soc";
import type { LiveMessage, Me } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { useLive } from "../live/socket";
import { LevelBadge } from "../rules/LevelBadge";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { CreateIncidentDialog } from "./IncidentDialogs";
import { usePeople } from "./people";
import { SlaBadge } from "./SlaBadge";
import "../rules/rules.css";
import "../alerts/alerts.css";
import "./soc.css";

export function IncidentsNav() {
  return (
    <nav className="tabs" aria-label="Incidents">
      <NavLink to="/incidents" end className="tab">
        Incidents
      </NavLink>
      <NavLink to="/incidents/playbooks" className="tab">
        Playbooks
      </NavLink>
    </nav>
  );
}

export function IncidentStatusBadge({ status }: { status: string }) {
  return <span className={`status-badge incident-status-${status}`}>{(INCIDENT_STATUS_LABELS as Record<string, string>)[status] ?? status}</span>;
}

/** Follows the incidents channel: any change to incidents reads `keys` again. */
export function useIncidentsLive(onChange: (msg: LiveMessage) => void) {
  const handler = useCallback((msg: LiveMessage) => {
    if (msg.channel === "incidents") onChange(msg);
  }, [onChange]);
  return useLive(["incidents"], "", true, handler);
}

export function IncidentsPage() {
  useDocumentTitle("Incidents");
  const me = useCurrentUser();
  if (!hasPermission(me, "incidents:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Incidents</h1>
        </header>
        <AccessDenied area="Incidents" role={me.role} />
      </section>
    );
  }
  return <IncidentList me={me} />;
}

function IncidentList({ me }: { me: Me }) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const people = usePeople(me);
  const [creating, setCreating] = useState(false);
  const writable = hasPermission(me, "incidents:write");
  const [draft, setDraft] = useState(params.get("q") ?? "");
  const q = useDebounced(draft.trim(), 300);
  const query: IncidentQuery = useMemo(() => {
    const r: IncidentQuery = { limit: 50 };
    for (const k of ["status", "severity", "owner", "group"] as const) {
      const v = params.get(k);
      if (v) r[k] = v;
    }
    if (q) r.q = q;
    return r;
  }, [params, q]);
  const set = (k: string, v: string) =>
    setParams((prev) => {
      const p = new URLSearchParams(prev);
      if (v) p.set(k, v);
      else p.delete(k);
      return p;
    });
  const incidents = useIncidents(query);
  const rows = incidents.data?.pages.flatMap((p) => p.incidents) ?? [];
  const total = incidents.data?.pages[0]?.total ?? 0;
  const live = useIncidentsLive(
    useCallback(
      (msg: LiveMessage) => {
        if (msg.type.startsWith("incident_") || msg.type === "task_updated") void queryClient.invalidateQueries({ queryKey: socKeys.allIncidents });
      },
      [queryClient],
    ),
  );

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Incidents</h1>
          <p className="page-subtitle">Cases built from alerts: owner, tasks, observables, timeline and notes in one place.</p>
        </div>
        <div className="page-actions">
          <span className={live === "open" ? "pill pill-on" : "pill pill-off"} role="status">
            {live === "open" ? "Live" : "Not live"}
          </span>
          {writable ? (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New incident
            </button>
          ) : null}
        </div>
      </header>
      <IncidentsNav />

      <ProposalsPanel writable={writable} />

      <div className="alert-filters">
        <div className="alert-filters-row">
          <div className="field alert-search">
            <label htmlFor="inc-q">Search incidents</label>
            <input id="inc-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Number, title, tag…" autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="inc-status">Status</label>
            <select id="inc-status" value={params.get("status") ?? ""} onChange={(e) => set("status", e.target.value)}>
              <option value="">Any status</option>
              {INCIDENT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {INCIDENT_STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="inc-sev">Severity</label>
            <select id="inc-sev" value={params.get("severity") ?? ""} onChange={(e) => set("severity", e.target.value)}>
              <option value="">Any severity</option>
              {[...LEVELS].reverse().map((l) => (
                <option key={l} value={l}>
                  {LEVEL_LABELS[l]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="inc-owner">Owner</label>
            <select id="inc-owner" value={params.get("owner") ?? ""} onChange={(e) => set("owner", e.target.value)}>
              <option value="">Anyone</option>
              <option value="me">Me</option>
              <option value="none">Nobody</option>
              {people.users
                .filter((p) => p.id !== me.id)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="inc-group">Work group</label>
            <select id="inc-group" value={params.get("group") ?? ""} onChange={(e) => set("group", e.target.value)}>
              <option value="">Any group</option>
              {people.groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.label}
                </option>
              ))}
            </select>
          </div>
        </div>
      </div>

      {incidents.isError ? <ErrorMessage error={incidents.error} /> : null}
      <div className="table-toolbar">
        <span className="muted" role="status">
          {incidents.isPending ? "Loading incidents…" : rows.length ? `Showing ${rows.length.toLocaleString()} of ${total.toLocaleString()}` : ""}
        </span>
      </div>
      {incidents.isSuccess && rows.length === 0 ? (
        <div className="empty empty-left">
          <p className="empty-title">{params.toString() || q ? "No incident matches these filters." : "No incidents yet."}</p>
          <p>Open one from related alerts in the Alerts queue (select them, then “Add to incident…”), accept a proposal above, or create one here.</p>
        </div>
      ) : rows.length > 0 ? (
        <IncidentTable incidents={rows} meId={me.id} />
      ) : null}
      {incidents.hasNextPage ? (
        <div className="pager pager-center">
          <button type="button" className="btn" onClick={() => void incidents.fetchNextPage()} disabled={incidents.isFetchingNextPage}>
            Load more
          </button>
        </div>
      ) : null}
      {creating ? <CreateIncidentDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}

function IncidentTable({ incidents, meId }: { incidents: readonly Incident[]; meId: string }) {
  return (
    <div className="table-wrap">
      <table className="table table-dense">
        <caption className="sr-only">Incidents, most recently updated first</caption>
        <thead>
          <tr>
            <th scope="col">Incident</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Owner</th>
            <th scope="col" className="num">
              Alerts
            </th>
            <th scope="col">Tasks</th>
            <th scope="col">SLA</th>
            <th scope="col" className="col-time">
              Updated
            </th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => {
            const t = i.task_counts ?? { todo: 0, in_progress: 0, blocked: 0, done: 0 };
            const all = t.todo + t.in_progress + t.blocked + t.done;
            return (
              <tr key={i.id}>
                <td className="alert-cell">
                  <Link to={`/incidents/${encodeURIComponent(i.id)}`} className="alert-title">
                    {i.number} {i.title}
                  </Link>
                  {i.tags?.length ? (
                    <span className="alert-sub">
                      {i.tags.map((tag) => (
                        <span key={tag} className="tag">
                          {tag}
                        </span>
                      ))}
                    </span>
                  ) : null}
                </td>
                <td>
                  <LevelBadge level={i.severity} />
                </td>
                <td>
                  <IncidentStatusBadge status={i.status} />
                </td>
                <td>{i.owner ? (i.owner === meId ? "Me" : i.owner_email || i.owner) : <span className="muted">nobody</span>}{i.group_name ? <span className="muted"> · {i.group_name}</span> : null}</td>
                <td className="num">{i.alert_count ?? 0}</td>
                <td>{all ? `${t.done}/${all} done${t.blocked ? ` · ${t.blocked} blocked` : ""}` : <span className="muted">—</span>}</td>
                <td>
                  <SlaBadge sla={i.sla} acknowledged={i.acknowledged_at} resolved={i.resolved_at ?? i.closed_at} />
                </td>
                <td className="cell-nowrap col-time">
                  <CompactTime value={i.updated_at} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ProposalsPanel({ writable }: { writable: boolean }) {
  const proposals = useProposals();
  const list = proposals.data?.proposals ?? [];
  if (proposals.isPending || (list.length === 0 && !proposals.isError)) return null;
  return (
    <section className="card proposals" aria-labelledby="proposals-title">
      <div className="card-head">
        <h2 id="proposals-title">Proposed incidents</h2>
        <span className="muted card-head-note">Open alerts that share an entity; accept to open one incident with them.</span>
      </div>
      {proposals.isError ? <ErrorMessage error={proposals.error} /> : null}
      <ul className="plain-list proposal-list">
        {list.map((p) => (
          <ProposalItem key={p.key} proposal={p} writable={writable} />
        ))}
      </ul>
    </section>
  );
}

function ProposalItem({ proposal: p, writable }: { proposal: Proposal; writable: boolean }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function accept() {
    setPending(true);
    setError(null);
    try {
      const inc = await socApi.acceptProposal(
        p.alerts.map((a) => a.id),
        p.title,
      );
      void queryClient.invalidateQueries({ queryKey: socKeys.allIncidents });
      navigate(`/incidents/${encodeURIComponent(inc.id)}`);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }
  return (
    <li className="proposal">
      <LevelBadge level={p.severity} /> <span className="cell-strong">{p.title}</span>{" "}
      <span className="muted">
        {p.alerts.length} alert{p.alerts.length === 1 ? "" : "s"} sharing {p.entity.kind} <span className="mono">{p.entity.value}</span>
      </span>
      {writable ? (
        <button type="button" className="btn btn-small" disabled={pending} onClick={() => void accept()} aria-label={`Accept proposal: ${p.title}`}>
          Accept
        </button>
      ) : null}
      {error ? <ErrorMessage error={error} /> : null}
    </li>
  );
}
