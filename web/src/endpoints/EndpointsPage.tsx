// Endpoints: every enrolled agent with its status (from its heartbeats),
// filters by status, OS and group kept in the URL, the org's counts, and
// "Add endpoint": an enrollment key (shown once), the one-line Linux
// install and the downloads for the other platforms.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { Dialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { OS_LABELS, endpointKeys, endpointsApi, formatBytes, installLine, useEndpoints, type CreatedEnrollmentKey, type EndpointStatus } from "./api";
import "./endpoints.css";

const PAGE = 50;

export function EndpointsPage() {
  useDocumentTitle("Endpoints");
  const me = useCurrentUser();
  if (!hasPermission(me, "endpoints:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Endpoints</h1>
        </header>
        <AccessDenied area="Endpoints" role={me.role} />
      </section>
    );
  }
  return <EndpointList canAdd={hasPermission(me, "endpoints:write")} />;
}

export function StatusBadge({ status, isolated }: { status: EndpointStatus; isolated?: boolean }) {
  return (
    <span className="ep-status-wrap">
      <span className={`badge ep-status ep-${status}`}>{status === "online" ? "Online" : status === "offline" ? "Offline" : "Revoked"}</span>
      {isolated ? <span className="badge ep-isolated">Isolated</span> : null}
    </span>
  );
}

function EndpointList({ canAdd }: { canAdd: boolean }) {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const os = params.get("os") ?? "";
  const group = params.get("group") ?? "";
  const [text, setText] = useState(params.get("q") ?? "");
  const q = useDebounced(text, 300);
  const offset = Number(params.get("offset") ?? "0") || 0;
  const list = useEndpoints({ status: status || undefined, os: os || undefined, group: group || undefined, q: q || undefined, limit: PAGE, offset });
  const [adding, setAdding] = useState(false);
  const set = (k: string, v: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (v) next.set(k, v);
      else next.delete(k);
      if (k !== "offset") next.delete("offset");
      return next;
    });
  const counts = list.data?.counts;
  const groups = Object.keys(counts?.by_group ?? {}).sort();

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <h1 id="page-title">Endpoints</h1>
        {canAdd ? (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add endpoint
          </button>
        ) : null}
      </header>
      {counts ? (
        <ul className="ep-counts" aria-label="Endpoint counts">
          <li>
            <button type="button" className="btn-link" onClick={() => set("status", "online")}>
              <strong>{counts.online}</strong> online
            </button>
          </li>
          <li>
            <button type="button" className="btn-link" onClick={() => set("status", "offline")}>
              <strong>{counts.offline}</strong> offline
            </button>
          </li>
          <li>
            <button type="button" className="btn-link" onClick={() => set("status", "revoked")}>
              <strong>{counts.revoked}</strong> revoked
            </button>
          </li>
        </ul>
      ) : null}
      <form className="toolbar toolbar-filters" role="search" aria-label="Filter endpoints" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Search</span>
          <input type="search" value={text} placeholder="Name, host, owner, location" onChange={(e) => setText(e.target.value)} onBlur={() => set("q", text)} />
        </label>
        <label className="field">
          <span>Status</span>
          <select value={status} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
            <option value="revoked">Revoked</option>
          </select>
        </label>
        <label className="field">
          <span>OS</span>
          <select value={os} onChange={(e) => set("os", e.target.value)}>
            <option value="">Any</option>
            <option value="linux">Linux</option>
            <option value="windows">Windows</option>
            <option value="darwin">macOS</option>
          </select>
        </label>
        <label className="field">
          <span>Group</span>
          <select value={group} onChange={(e) => set("group", e.target.value)}>
            <option value="">Any</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table" aria-label="Endpoints">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">OS</th>
              <th scope="col">Owner</th>
              <th scope="col">Location</th>
              <th scope="col">Group</th>
              <th scope="col">Agent</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {list.isPending ? (
              <tr>
                <td colSpan={8} className="table-empty" role="status">
                  Loading endpoints…
                </td>
              </tr>
            ) : list.data && list.data.items.length === 0 ? (
              <tr>
                <td colSpan={8} className="table-empty">
                  {list.data.counts.active + list.data.counts.revoked === 0 ? "No endpoint is enrolled yet. Use Add endpoint to install the agent." : "No endpoint matches these filters."}
                </td>
              </tr>
            ) : (
              list.data?.items.map((ep) => (
                <tr key={ep.id}>
                  <td>
                    <Link to={`/endpoints/${ep.id}`}>{ep.name}</Link>
                    {ep.name !== ep.hostname ? <div className="muted">{ep.hostname}</div> : null}
                  </td>
                  <td>
                    <StatusBadge status={ep.status} isolated={ep.isolated} />
                  </td>
                  <td>
                    {OS_LABELS[ep.os] ?? ep.os} {ep.platform} {ep.platform_version}
                  </td>
                  <td>{ep.owner || <span className="muted">—</span>}</td>
                  <td>{ep.location || <span className="muted">—</span>}</td>
                  <td>{ep.group || <span className="muted">—</span>}</td>
                  <td>{ep.agent_version}</td>
                  <td>
                    <Time value={ep.last_seen} empty="Never" />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {list.data && list.data.total > PAGE ? (
        <nav className="ep-pager" aria-label="Pages">
          <button type="button" className="btn" disabled={offset === 0} onClick={() => set("offset", String(Math.max(0, offset - PAGE)))}>
            Previous
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, list.data.total)} of {list.data.total}
          </span>
          <button type="button" className="btn" disabled={offset + PAGE >= list.data.total} onClick={() => set("offset", String(offset + PAGE))}>
            Next
          </button>
        </nav>
      ) : null}
      {adding ? <AddEndpointDialog onClose={() => setAdding(false)} /> : null}
    </section>
  );
}

/** Creates an enrollment key and shows how to install the agent with it. */
export function AddEndpointDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("30");
  const [created, setCreated] = useState<CreatedEnrollmentKey | null>(null);
  const downloads = useQuery({ queryKey: endpointKeys.downloads, queryFn: ({ signal }) => endpointsApi.downloads(signal) });
  const create = useMutation({
    mutationFn: () => endpointsApi.createKey(name.trim(), Number(days) || 0),
    onSuccess: (k) => {
      setCreated(k);
      void queryClient.invalidateQueries({ queryKey: endpointKeys.keys });
    },
  });
  const server = typeof window === "undefined" ? "" : window.location.origin;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog title="Add endpoint" onClose={onClose} wide>
      {created ? (
        <div className="dialog-body">
          <p>
            Enrollment key <strong>{created.name}</strong> is shown only now: copy it or the install line.
          </p>
          <label className="field">
            <span>Enrollment key</span>
            <input readOnly value={created.key} aria-label="Enrollment key" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <label className="field">
            <span>Install on Linux (x86-64)</span>
            <textarea readOnly rows={3} className="ep-install" aria-label="Linux install command" value={installLine(server, created.key)} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <h3>Other platforms</h3>
          <p className="muted">Download the agent, then run it as administrator with <code>install --url {server} --enrollment-key &lt;key&gt;</code>.</p>
          <ul className="ep-downloads" aria-label="Agent downloads">
            {downloads.data?.items.map((d) => (
              <li key={d.platform}>
                {d.available ? (
                  <a href={d.url} download={d.file_name}>
                    {d.platform}
                  </a>
                ) : (
                  <span>{d.platform}</span>
                )}{" "}
                <span className="muted">{d.available ? formatBytes(d.size) : "not built on this server (make agents)"}</span>
              </li>
            ))}
          </ul>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="dialog-body" onSubmit={submit}>
          <p>An enrollment key lets agents join this organisation. Give it a name that says where it is used.</p>
          <label className="field">
            <span>Key name</span>
            <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="Madrid laptops" />
          </label>
          <label className="field">
            <span>Expires after (days, 0 = never)</span>
            <input type="number" min={0} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
          </label>
          {create.isError ? <ErrorMessage error={create.error} /> : null}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={create.isPending || name.trim() === ""}>
              Create key
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
