// Endpoints: the types of the endpoint management API (docs/endpoints.md),
// the calls through the one API client, and the TanStack Query hooks of the
// Endpoints pages.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";

export type EndpointStatus = "online" | "offline" | "revoked";

export interface HostFacts {
  hostname: string;
  fqdn?: string;
  os: string;
  platform: string;
  platform_version: string;
  family?: string;
  kernel_version?: string;
  arch: string;
  machine_id?: string;
  agent_version: string;
  ips?: string[];
  macs?: string[];
}

export interface AgentHealth {
  rss_bytes: number;
  cpu_percent: number;
  throttled: boolean;
  spool_bytes: number;
  spool_dropped: number;
  events_sent: number;
  warnings?: string[];
}

export interface Endpoint {
  id: string;
  name: string;
  hostname: string;
  status: EndpointStatus;
  os: string;
  platform: string;
  platform_version: string;
  arch: string;
  agent_version: string;
  owner: string;
  location: string;
  group: string;
  tags: string[];
  isolated: boolean;
  config_version: number;
  last_seen: string | null;
  last_ip: string;
  enrolled_at: string;
  updated_at: string;
  revoked_at: string | null;
  facts: HostFacts;
  health: AgentHealth;
}

export interface EndpointCounts {
  active: number;
  online: number;
  offline: number;
  revoked: number;
  by_os: Record<string, number>;
  by_group: Record<string, number>;
}

export interface EndpointList {
  items: Endpoint[];
  total: number;
  counts: EndpointCounts;
}

export interface EndpointQuery {
  status?: string | undefined;
  os?: string | undefined;
  group?: string | undefined;
  q?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface MetricPoint {
  at: string;
  cpu_percent: number;
  mem_used_bytes: number;
  mem_total_bytes: number;
  disk_used_bytes: number;
  disk_total_bytes: number;
  net_rx_bytes: number;
  net_tx_bytes: number;
  load1: number;
}

export interface MetricSeries {
  from: string;
  to: string;
  resolution_seconds: number;
  points: MetricPoint[];
}

export interface Process {
  pid: number;
  ppid: number;
  name: string;
  exe?: string;
  cmdline?: string;
  user?: string;
  started_at?: string;
  sha256?: string;
  cpu_percent?: number;
  rss_bytes?: number;
}

export interface Package {
  name: string;
  version: string;
  source: string;
  source_name?: string;
  arch?: string;
  vendor?: string;
}

export interface NetInterface {
  name: string;
  mac?: string;
  addrs: string[] | null;
  up: boolean;
  mtu?: number;
}

export interface ListeningPort {
  protocol: string;
  address: string;
  port: number;
  pid?: number;
  process?: string;
}

export interface LoggedInUser {
  user: string;
  terminal?: string;
  host?: string;
  since?: string;
}

export interface Inventory {
  collected_at: string;
  facts: HostFacts;
  hardware: { cpu_model: string; cpu_cores: number; memory_bytes: number; disk_bytes: number; vendor?: string; model?: string; serial?: string };
  interfaces: NetInterface[] | null;
  listening: ListeningPort[] | null;
  processes: Process[] | null;
  users: LoggedInUser[] | null;
  software: Package[] | null;
}

export interface InventoryAnswer {
  received_at: string | null;
  inventory: Inventory | null;
}

export interface SCACheck {
  id: string;
  title: string;
  status: "pass" | "fail" | "not_applicable" | "error";
  reason: string;
  severity?: string;
  remediation?: string;
  rationale?: string;
}

export interface SCAPolicy {
  policy_id: string;
  policy_name: string;
  finished_at: string;
  received_at: string;
  score: number;
  passed: number;
  failed: number;
  not_applicable: number;
  checks: SCACheck[];
}

export interface SCAResults {
  policies: SCAPolicy[];
  history: { policy_id: string; finished_at: string; score: number; passed: number; failed: number }[];
}

export interface Vulnerability {
  id: string;
  aliases?: string[];
  summary?: string;
  severity: string;
  score?: number;
  package: string;
  installed_version: string;
  fixed_version?: string;
  reason?: string;
}

export interface VulnerabilityList {
  available: boolean;
  message?: string;
  items: Vulnerability[];
}

export interface FimEvent {
  id: string;
  "@timestamp": string;
  message: string;
  fields: Record<string, unknown>;
}

export interface FimPage {
  items: FimEvent[];
  total: number;
  next_cursor: string | null;
}

export interface EndpointAlert {
  id: string;
  title: string;
  severity: string;
  status: string;
  rule_title: string;
  last_seen: string;
  count: number;
}

export type ActionType = "isolate" | "release" | "kill_process" | "run_command" | "collect_file" | "restart_agent" | "reboot";
export type ActionState = "queued" | "delivered" | "done" | "failed" | "expired";

export interface Action {
  id: string;
  agent_id: string;
  type: ActionType;
  params: Record<string, unknown>;
  reason: string;
  state: ActionState;
  created_by: string;
  created_at: string;
  expires_at: string;
  delivered_at: string | null;
  finished_at: string | null;
  exit_code: number;
  output: string;
  error: string;
  file: { name: string; sha256: string; size: number } | null;
}

export interface ActionCreate {
  type: ActionType;
  params?: Record<string, unknown>;
  reason: string;
}

export interface EnrollmentKey {
  id: string;
  name: string;
  prefix: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  uses: number;
}

export interface CreatedEnrollmentKey extends EnrollmentKey {
  key: string;
}

export interface AgentDownload {
  platform: string;
  available: boolean;
  file_name: string;
  url: string;
  size: number;
  sha256: string;
  built_at: string | null;
}

export interface EndpointPatch {
  name?: string;
  owner?: string;
  location?: string;
  group?: string;
  tags?: string[];
}

const base = "/api/v1/endpoints";
const enc = encodeURIComponent;

export const endpointsApi = {
  list: (q: EndpointQuery, signal?: AbortSignal) =>
    api.request<EndpointList>("GET", base, { query: { ...q }, signal }),
  get: (id: string, signal?: AbortSignal) => api.request<Endpoint>("GET", `${base}/${enc(id)}`, { signal }),
  patch: (id: string, body: EndpointPatch) => api.request<Endpoint>("PATCH", `${base}/${enc(id)}`, { body }),
  revoke: (id: string) => api.request<void>("DELETE", `${base}/${enc(id)}`),
  metrics: (id: string, from: string, signal?: AbortSignal) =>
    api.request<MetricSeries>("GET", `${base}/${enc(id)}/metrics`, { query: { from }, signal }),
  inventory: (id: string, signal?: AbortSignal) => api.request<InventoryAnswer>("GET", `${base}/${enc(id)}/inventory`, { signal }),
  processes: (id: string, q: string, signal?: AbortSignal) =>
    api.request<{ items: Process[]; total: number }>("GET", `${base}/${enc(id)}/processes`, { query: { q }, signal }),
  software: (id: string, q: string, signal?: AbortSignal) =>
    api.request<{ items: Package[]; total: number }>("GET", `${base}/${enc(id)}/software`, { query: { q }, signal }),
  vulnerabilities: (id: string, signal?: AbortSignal) => api.request<VulnerabilityList>("GET", `${base}/${enc(id)}/vulnerabilities`, { signal }),
  sca: (id: string, signal?: AbortSignal) => api.request<SCAResults>("GET", `${base}/${enc(id)}/sca`, { signal }),
  fim: (id: string, signal?: AbortSignal) => api.request<FimPage>("GET", `${base}/${enc(id)}/fim`, { signal }),
  alerts: (id: string, signal?: AbortSignal) => api.request<{ alerts: EndpointAlert[] }>("GET", `${base}/${enc(id)}/alerts`, { signal }),
  actions: (id: string, signal?: AbortSignal) => api.request<{ items: Action[] }>("GET", `${base}/${enc(id)}/actions`, { signal }),
  queueAction: (id: string, body: ActionCreate) => api.request<Action>("POST", `${base}/${enc(id)}/actions`, { body }),
  keys: (signal?: AbortSignal) => api.request<{ items: EnrollmentKey[] }>("GET", "/api/v1/enrollment-keys", { signal }),
  createKey: (name: string, expires_in_days: number) =>
    api.request<CreatedEnrollmentKey>("POST", "/api/v1/enrollment-keys", { body: { name, expires_in_days } }),
  revokeKey: (id: string) => api.request<void>("DELETE", `/api/v1/enrollment-keys/${enc(id)}`),
  downloads: (signal?: AbortSignal) => api.request<{ items: AgentDownload[] }>("GET", "/api/v1/agents/downloads", { signal }),
};

export const endpointKeys = {
  all: ["endpoints"] as const,
  list: (q: EndpointQuery) => ["endpoints", "list", q] as const,
  one: (id: string) => ["endpoints", "one", id] as const,
  part: (id: string, part: string, ...args: string[]) => ["endpoints", "one", id, part, ...args] as const,
  keys: ["enrollment-keys"] as const,
  downloads: ["agent-downloads"] as const,
};

export function useEndpoints(q: EndpointQuery) {
  return useQuery({
    queryKey: endpointKeys.list(q),
    queryFn: ({ signal }) => endpointsApi.list(q, signal),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export function useEndpoint(id: string) {
  return useQuery({ queryKey: endpointKeys.one(id), queryFn: ({ signal }) => endpointsApi.get(id, signal), refetchInterval: 30_000 });
}

/** True while an action waits for the agent: the list is polled then. */
export function isPending(a: Action): boolean {
  return a.state === "queued" || a.state === "delivered";
}

/** The one-line Linux install for a server URL and an enrollment key. */
export function installLine(server: string, key: string): string {
  return `curl -fsSL ${server}/api/v1/agents/download/linux-amd64 -o eventsec-agent && sudo ./eventsec-agent install --url ${server} --enrollment-key ${key}`;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return "0 B";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export const OS_LABELS: Record<string, string> = { linux: "Linux", windows: "Windows", darwin: "macOS" };

export const ACTION_LABELS: Record<ActionType, string> = {
  isolate: "Isolate from the network",
  release: "Release from isolation",
  kill_process: "Kill a process",
  run_command: "Run a command",
  collect_file: "Collect a file",
  restart_agent: "Restart the agent",
  reboot: "Reboot the machine",
};
