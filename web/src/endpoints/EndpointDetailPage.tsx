// One endpoint: overview (editable owner, location, group), resource
// charts, network, processes, users, software, its host's alerts,
// vulnerabilities, configuration assessment, file changes, and remote
// actions (each confirmed; their state refreshes while the agent works).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { StatusBadge } from "./EndpointsPage";
import { MetricChart } from "./MetricChart";
import {
  ACTION_LABELS,
  OS_LABELS,
  endpointKeys,
  endpointsApi,
  formatBytes,
  isPending,
  useEndpoint,
  type ActionType,
  type Endpoint,
  type EndpointPatch,
  type Inventory,
} from "./api";
import "./endpoints.css";

const TABS = ["Overview", "Metrics", "Network", "Processes", "Users", "Software", "Alerts", "Vulnerabilities", "SCA", "FIM", "Actions"] as const;
type Tab = (typeof TABS)[number];

export function EndpointDetailPage() {
  const { id = "" } = useParams();
  const me = useCurrentUser();
  const ep = useEndpoint(id);
  useDocumentTitle(ep.data ? `Endpoint ${ep.data.name}` : "Endpoint");
  if (!hasPermission(me, "endpoints:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Endpoint</h1>
        </header>
        <AccessDenied area="Endpoints" role={me.role} />
      </section>
    );
  }
  if (ep.isPending) {
    return (
      <div className="page-center" role="status">
        Loading the endpoint…
      </div>
    );
  }
  if (ep.isError) {
    return (
      <section className="page">
        <p>
          <Link to="/endpoints">← Endpoints</Link>
        </p>
        <ErrorMessage error={ep.error} />
      </section>
    );
  }
  return <Detail ep={ep.data} writable={hasPermission(me, "endpoints:write")} respond={hasPermission(me, "endpoints:respond")} />;
}

function Detail({ ep, writable, respond }: { ep: Endpoint; writable: boolean; respond: boolean }) {
  const [tab, setTab] = useState<Tab>("Overview");
  const ids = useId();
  // A newly enrolled agent sends its inventory a few seconds after it
  // checks in: ask again every few seconds until it is here, then every
  // minute so a newer one replaces it.
  const inventory = useQuery({
    queryKey: endpointKeys.part(ep.id, "inventory"),
    queryFn: ({ signal }) => endpointsApi.inventory(ep.id, signal),
    refetchInterval: (q) => (q.state.data?.inventory ? 60_000 : 3_000),
  });
  // The processes and software lists are searched on the server; their
  // queries are keyed by the inventory they read, so they follow it.
  const received = inventory.data?.received_at ?? "";
  return (
    <section className="page" aria-labelledby="page-title">
      <p>
        <Link to="/endpoints">← Endpoints</Link>
      </p>
      <header className="page-header page-header-row">
        <h1 id="page-title">{ep.name}</h1>
        <StatusBadge status={ep.status} isolated={ep.isolated} />
      </header>
      <div className="tabs" role="tablist" aria-label="Endpoint sections">
        {TABS.map((t, i) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${ids}-${i}`}
            aria-selected={tab === t}
            aria-controls={`${ids}-panel`}
            className="tab"
            onClick={() => setTab(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${ids}-panel`} aria-labelledby={`${ids}-${TABS.indexOf(tab)}`} className="tab-panel">
        {tab === "Overview" ? <Overview ep={ep} inv={inventory.data?.inventory ?? null} writable={writable} /> : null}
        {tab === "Metrics" ? <Metrics id={ep.id} /> : null}
        {tab === "Network" ? <Network inv={inventory.data?.inventory ?? null} /> : null}
        {tab === "Processes" ? <Processes id={ep.id} received={received} /> : null}
        {tab === "Users" ? <Users inv={inventory.data?.inventory ?? null} /> : null}
        {tab === "Software" ? <Software id={ep.id} received={received} /> : null}
        {tab === "Alerts" ? <Alerts id={ep.id} /> : null}
        {tab === "Vulnerabilities" ? <Vulnerabilities id={ep.id} /> : null}
        {tab === "SCA" ? <SCA id={ep.id} /> : null}
        {tab === "FIM" ? <FIM id={ep.id} /> : null}
        {tab === "Actions" ? <Actions ep={ep} respond={respond} writable={writable} /> : null}
      </div>
    </section>
  );
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="ep-facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === "" || v === null || v === undefined ? <span className="muted">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Overview({ ep, inv, writable }: { ep: Endpoint; inv: Inventory | null; writable: boolean }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<EndpointPatch>({ owner: ep.owner, location: ep.location, group: ep.group });
  const save = useMutation({
    mutationFn: () => endpointsApi.patch(ep.id, form),
    onSuccess: (next) => {
      queryClient.setQueryData(endpointKeys.one(ep.id), next);
      void queryClient.invalidateQueries({ queryKey: endpointKeys.all });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const hw = inv?.hardware;
  return (
    <div className="ep-overview">
      <div className="card">
        <h2>Status</h2>
        <Facts
          rows={[
            ["Status", <StatusBadge key="s" status={ep.status} isolated={ep.isolated} />],
            ["Last seen", <Time key="t" value={ep.last_seen} empty="Never" />],
            ["Last address", ep.last_ip],
            ["Agent version", ep.agent_version],
            ["Enrolled", <Time key="e" value={ep.enrolled_at} />],
            ["Agent memory", ep.health.rss_bytes ? formatBytes(ep.health.rss_bytes) : ""],
            ["Spool", ep.health.spool_bytes ? formatBytes(ep.health.spool_bytes) : "empty"],
            ["Warnings", (ep.health.warnings ?? []).join("; ")],
          ]}
        />
      </div>
      <div className="card">
        <h2>System</h2>
        <Facts
          rows={[
            ["Hostname", ep.facts.fqdn || ep.hostname],
            ["Operating system", `${OS_LABELS[ep.os] ?? ep.os} ${ep.platform} ${ep.platform_version}`],
            ["Kernel", ep.facts.kernel_version ?? ""],
            ["Architecture", ep.arch],
            ["Addresses", (ep.facts.ips ?? []).join(", ")],
            ["CPU", hw ? `${hw.cpu_model} (${hw.cpu_cores} cores)` : ""],
            ["Memory", hw ? formatBytes(hw.memory_bytes) : ""],
            ["Disk", hw ? formatBytes(hw.disk_bytes) : ""],
            ["Vendor / model", hw ? [hw.vendor, hw.model].filter(Boolean).join(" ") : ""],
            ["Serial", hw?.serial ?? ""],
          ]}
        />
      </div>
      <form className="card" onSubmit={submit} aria-label="Ownership">
        <h2>Ownership</h2>
        {(["owner", "location", "group"] as const).map((k) => (
          <label key={k} className="field">
            <span>{k === "owner" ? "Owner" : k === "location" ? "Location" : "Group"}</span>
            <input value={form[k] ?? ""} readOnly={!writable} maxLength={200} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
          </label>
        ))}
        {save.isError ? <ErrorMessage error={save.error} /> : null}
        {save.isSuccess ? <p role="status">Saved.</p> : null}
        {writable ? (
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save
          </button>
        ) : null}
      </form>
    </div>
  );
}

const RANGES = [
  ["Last hour", "now-1h"],
  ["Last 24 hours", "now-24h"],
  ["Last 7 days", "now-7d"],
] as const;

function Metrics({ id }: { id: string }) {
  const [from, setFrom] = useState<string>("now-1h");
  const m = useQuery({ queryKey: endpointKeys.part(id, "metrics", from), queryFn: ({ signal }) => endpointsApi.metrics(id, from, signal), refetchInterval: 60_000 });
  const pts = m.data?.points ?? [];
  return (
    <div>
      <label className="field ep-range">
        <span>Range</span>
        <select value={from} onChange={(e) => setFrom(e.target.value)}>
          {RANGES.map(([label, v]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {m.isError ? <ErrorMessage error={m.error} /> : null}
      {m.data && pts.length === 0 ? <p className="muted">No samples in this range yet: the agent sends them with its heartbeats.</p> : null}
      {pts.length > 0 ? (
        <div className="ep-charts">
          <MetricChart title="CPU %" points={pts.map((p) => ({ at: p.at, value: p.cpu_percent }))} max={100} format={(v) => `${v.toFixed(0)}%`} />
          <MetricChart
            title="Memory used"
            points={pts.map((p) => ({ at: p.at, value: p.mem_used_bytes }))}
            max={Math.max(...pts.map((p) => p.mem_total_bytes))}
            format={formatBytes}
          />
          <MetricChart
            title="Disk used"
            points={pts.map((p) => ({ at: p.at, value: p.disk_used_bytes }))}
            max={Math.max(...pts.map((p) => p.disk_total_bytes))}
            format={formatBytes}
          />
          <MetricChart title="Network received (since boot)" points={pts.map((p) => ({ at: p.at, value: p.net_rx_bytes }))} format={formatBytes} />
        </div>
      ) : null}
    </div>
  );
}

function Network({ inv }: { inv: Inventory | null }) {
  if (!inv) return <p className="muted">No inventory yet: the agent sends one at start and every hour.</p>;
  return (
    <div>
      <h2>Interfaces</h2>
      <table className="table table-dense" aria-label="Interfaces">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Addresses</th>
            <th scope="col">MAC</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {(inv.interfaces ?? []).map((i) => (
            <tr key={i.name}>
              <td>{i.name}</td>
              <td>{(i.addrs ?? []).join(", ")}</td>
              <td>{i.mac}</td>
              <td>{i.up ? "Up" : "Down"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Listening ports</h2>
      <table className="table table-dense" aria-label="Listening ports">
        <thead>
          <tr>
            <th scope="col">Protocol</th>
            <th scope="col">Address</th>
            <th scope="col">Port</th>
            <th scope="col">Process</th>
          </tr>
        </thead>
        <tbody>
          {(inv.listening ?? []).map((l) => (
            <tr key={`${l.protocol}-${l.address}-${l.port}`}>
              <td>{l.protocol}</td>
              <td>{l.address}</td>
              <td>{l.port}</td>
              <td>{l.process ? `${l.process} (${l.pid ?? "?"})` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SearchBox({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <label className="field ep-search">
      <span>{label}</span>
      <input type="search" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function Processes({ id, received }: { id: string; received: string }) {
  const [text, setText] = useState("");
  const q = useDebounced(text, 250);
  const ps = useQuery({ queryKey: endpointKeys.part(id, "processes", q, received), queryFn: ({ signal }) => endpointsApi.processes(id, q, signal) });
  return (
    <div>
      <SearchBox label="Search processes" value={text} onChange={setText} />
      {ps.isError ? <ErrorMessage error={ps.error} /> : null}
      <table className="table table-dense" aria-label="Processes">
        <thead>
          <tr>
            <th scope="col">PID</th>
            <th scope="col">Name</th>
            <th scope="col">User</th>
            <th scope="col">Command line</th>
            <th scope="col">Memory</th>
          </tr>
        </thead>
        <tbody>
          {ps.data?.items.map((p) => (
            <tr key={p.pid}>
              <td>{p.pid}</td>
              <td>{p.name}</td>
              <td>{p.user}</td>
              <td className="ep-cmd">{p.cmdline || p.exe}</td>
              <td>{p.rss_bytes ? formatBytes(p.rss_bytes) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {ps.data ? <p className="muted">{received ? `${ps.data.total} processes` : "The agent has not sent its inventory yet."}</p> : null}
    </div>
  );
}

function Users({ inv }: { inv: Inventory | null }) {
  if (!inv) return <p className="muted">No inventory yet.</p>;
  const users = inv.users ?? [];
  if (users.length === 0) return <p className="muted">Nobody was logged in at the last inventory.</p>;
  return (
    <table className="table table-dense" aria-label="Logged-in users">
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Terminal</th>
          <th scope="col">From</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {users.map((u, i) => (
          <tr key={`${u.user}-${i}`}>
            <td>{u.user}</td>
            <td>{u.terminal}</td>
            <td>{u.host}</td>
            <td>
              <Time value={u.since} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Software({ id, received }: { id: string; received: string }) {
  const [text, setText] = useState("");
  const q = useDebounced(text, 250);
  const sw = useQuery({ queryKey: endpointKeys.part(id, "software", q, received), queryFn: ({ signal }) => endpointsApi.software(id, q, signal) });
  return (
    <div>
      <SearchBox label="Search software" value={text} onChange={setText} />
      {sw.isError ? <ErrorMessage error={sw.error} /> : null}
      <table className="table table-dense" aria-label="Software">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Source</th>
            <th scope="col">Architecture</th>
          </tr>
        </thead>
        <tbody>
          {sw.data?.items.map((p) => (
            <tr key={`${p.source}-${p.name}-${p.version}-${p.arch ?? ""}`}>
              <td>{p.name}</td>
              <td>{p.version}</td>
              <td>{p.source}</td>
              <td>{p.arch}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sw.data ? <p className="muted">{received ? `${sw.data.total} packages` : "The agent has not sent its inventory yet."}</p> : null}
    </div>
  );
}

function Alerts({ id }: { id: string }) {
  const a = useQuery({ queryKey: endpointKeys.part(id, "alerts"), queryFn: ({ signal }) => endpointsApi.alerts(id, signal) });
  if (a.isError) return <ErrorMessage error={a.error} />;
  if (a.data && a.data.alerts.length === 0) return <p className="muted">No alert about this host in the last 30 days.</p>;
  return (
    <table className="table table-dense" aria-label="Alerts about this host">
      <thead>
        <tr>
          <th scope="col">Alert</th>
          <th scope="col">Severity</th>
          <th scope="col">Status</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {a.data?.alerts.map((al) => (
          <tr key={al.id}>
            <td>
              <Link to={`/alerts/${al.id}`}>{al.title}</Link>
            </td>
            <td>{al.severity}</td>
            <td>{al.status}</td>
            <td>
              <Time value={al.last_seen} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Vulnerabilities({ id }: { id: string }) {
  const v = useQuery({ queryKey: endpointKeys.part(id, "vulnerabilities"), queryFn: ({ signal }) => endpointsApi.vulnerabilities(id, signal) });
  if (v.isError) return <ErrorMessage error={v.error} />;
  if (!v.data) return null;
  if (!v.data.available) return <p className="muted">{v.data.message}</p>;
  if (v.data.items.length === 0) return <p className="muted">No known vulnerability in the installed software.</p>;
  return (
    <table className="table table-dense" aria-label="Vulnerabilities">
      <thead>
        <tr>
          <th scope="col">Vulnerability</th>
          <th scope="col">Severity</th>
          <th scope="col">Package</th>
          <th scope="col">Installed</th>
          <th scope="col">Fixed in</th>
        </tr>
      </thead>
      <tbody>
        {v.data.items.map((x) => (
          <tr key={`${x.id}-${x.package}`} title={x.reason}>
            <td>
              {x.id}
              {x.aliases?.length ? <div className="muted">{x.aliases.join(", ")}</div> : null}
            </td>
            <td>{x.severity}</td>
            <td>{x.package}</td>
            <td>{x.installed_version}</td>
            <td>{x.fixed_version || <span className="muted">no fix yet</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SCA({ id }: { id: string }) {
  const s = useQuery({ queryKey: endpointKeys.part(id, "sca"), queryFn: ({ signal }) => endpointsApi.sca(id, signal) });
  if (s.isError) return <ErrorMessage error={s.error} />;
  if (s.data && s.data.policies.length === 0) return <p className="muted">No configuration assessment yet.</p>;
  return (
    <div>
      {s.data?.policies.map((p) => (
        <section key={p.policy_id} className="card" aria-label={p.policy_name}>
          <h2>
            {p.policy_name} <span className="ep-score">{p.score.toFixed(0)}%</span>
          </h2>
          <p className="muted">
            {p.passed} passed, {p.failed} failed, {p.not_applicable} not applicable · <Time value={p.finished_at} />
          </p>
          <table className="table table-dense" aria-label={`Checks of ${p.policy_name}`}>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {p.checks.map((c) => (
                <tr key={c.id}>
                  <td>{c.title}</td>
                  <td className={`ep-check ep-check-${c.status}`}>{c.status.replace("_", " ")}</td>
                  <td>
                    {c.reason}
                    {c.status === "fail" && c.remediation ? <div className="muted">Fix: {c.remediation}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}

function FIM({ id }: { id: string }) {
  const f = useQuery({ queryKey: endpointKeys.part(id, "fim"), queryFn: ({ signal }) => endpointsApi.fim(id, signal), refetchInterval: 30_000 });
  if (f.isError) return <ErrorMessage error={f.error} />;
  if (f.data && f.data.items.length === 0) return <p className="muted">No file change reported.</p>;
  const str = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : String(v));
  return (
    <table className="table table-dense" aria-label="File changes">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Change</th>
          <th scope="col">Path</th>
          <th scope="col">SHA-256</th>
        </tr>
      </thead>
      <tbody>
        {f.data?.items.map((ev) => {
          const fl = (ev.fields.file ?? {}) as Record<string, unknown>;
          const evf = (ev.fields.event ?? {}) as Record<string, unknown>;
          const hash = (fl.hash ?? {}) as Record<string, unknown>;
          return (
            <tr key={ev.id}>
              <td>
                <Time value={ev["@timestamp"]} />
              </td>
              <td>{str(evf.action)}</td>
              <td className="ep-cmd">{str(fl.path)}</td>
              <td className="ep-cmd">{str(hash.sha256).slice(0, 16)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

interface ActionForm {
  type: ActionType;
  pid: string;
  argv: string;
  path: string;
  reason: string;
}

function Actions({ ep, respond, writable }: { ep: Endpoint; respond: boolean; writable: boolean }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery({
    queryKey: endpointKeys.part(ep.id, "actions"),
    queryFn: ({ signal }) => endpointsApi.actions(ep.id, signal),
    // While the agent works on something, its state is followed closely.
    refetchInterval: (q) => ((q.state.data?.items ?? []).some(isPending) ? 2_000 : 30_000),
  });
  const [form, setForm] = useState<ActionForm>({ type: "run_command", pid: "", argv: "", path: "", reason: "" });
  const [confirming, setConfirming] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const queue = useMutation({
    mutationFn: () => {
      const params: Record<string, unknown> = {};
      if (form.type === "kill_process") params.pid = Number(form.pid);
      if (form.type === "run_command") params.argv = form.argv.trim().split(/\s+/).filter(Boolean);
      if (form.type === "collect_file") params.path = form.path.trim();
      return endpointsApi.queueAction(ep.id, { type: form.type, params, reason: form.reason.trim() });
    },
    onSuccess: () => {
      setConfirming(false);
      setForm({ ...form, reason: "" });
      void queryClient.invalidateQueries({ queryKey: endpointKeys.part(ep.id, "actions") });
    },
  });
  const revoke = useMutation({
    mutationFn: () => endpointsApi.revoke(ep.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: endpointKeys.all });
      navigate("/endpoints");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    queue.reset();
    setConfirming(true);
  };
  const disabled = ep.status === "revoked";
  return (
    <div>
      {respond ? (
        <form className="card ep-action-form" onSubmit={submit} aria-label="New action">
          <h2>New action</h2>
          <label className="field">
            <span>Action</span>
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value as ActionType })}>
              {(Object.keys(ACTION_LABELS) as ActionType[]).map((t) => (
                <option key={t} value={t}>
                  {ACTION_LABELS[t]}
                </option>
              ))}
            </select>
          </label>
          {form.type === "kill_process" ? (
            <label className="field">
              <span>Process ID</span>
              <input required inputMode="numeric" value={form.pid} onChange={(e) => setForm({ ...form, pid: e.target.value })} />
            </label>
          ) : null}
          {form.type === "run_command" ? (
            <label className="field">
              <span>Command (the first word must be on the allow-list)</span>
              <input required value={form.argv} onChange={(e) => setForm({ ...form, argv: e.target.value })} placeholder="uptime" />
            </label>
          ) : null}
          {form.type === "collect_file" ? (
            <label className="field">
              <span>File path (under a collect path)</span>
              <input required value={form.path} onChange={(e) => setForm({ ...form, path: e.target.value })} placeholder="/var/log/auth.log" />
            </label>
          ) : null}
          <label className="field">
            <span>Reason</span>
            <input required maxLength={1000} value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} />
          </label>
          <button type="submit" className="btn btn-primary" disabled={disabled}>
            Queue action
          </button>
        </form>
      ) : (
        <p className="muted">Your role can see actions but not start them.</p>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`${ACTION_LABELS[form.type]} on ${ep.name}?`}
          confirmLabel="Queue it"
          pending={queue.isPending}
          error={queue.error}
          onConfirm={() => queue.mutate()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            The agent runs it at its next poll. This is recorded in the audit log with your reason: <q>{form.reason}</q>.
          </p>
        </ConfirmDialog>
      ) : null}
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <table className="table table-dense" aria-label="Actions">
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">State</th>
            <th scope="col">Reason</th>
            <th scope="col">Queued</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.length === 0 ? (
            <tr>
              <td colSpan={5} className="table-empty">
                No action yet.
              </td>
            </tr>
          ) : null}
          {list.data?.items.map((a) => (
            <tr key={a.id}>
              <td>
                {ACTION_LABELS[a.type] ?? a.type}
                <div className="muted ep-cmd">{JSON.stringify(a.params)}</div>
              </td>
              <td>
                <span className={`badge ep-state ep-state-${a.state}`}>{a.state}</span>
              </td>
              <td>{a.reason}</td>
              <td>
                <Time value={a.created_at} />
              </td>
              <td>
                {a.error ? <div className="ep-error">{a.error}</div> : null}
                {a.output ? <pre className="ep-output">{a.output}</pre> : null}
                {a.file && respond ? (
                  <a href={`/api/v1/endpoints/${encodeURIComponent(ep.id)}/actions/${encodeURIComponent(a.id)}/file`} download={a.file.name}>
                    {a.file.name} ({formatBytes(a.file.size)})
                  </a>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {writable && !disabled ? (
        <div className="ep-danger">
          <button type="button" className="btn btn-danger" onClick={() => setRevoking(true)}>
            Revoke agent
          </button>
        </div>
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke ${ep.name}?`}
          confirmLabel="Revoke"
          pending={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate()}
          onCancel={() => setRevoking(false)}
        >
          <p>The agent is refused at once and must be enrolled again. Its history stays.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
