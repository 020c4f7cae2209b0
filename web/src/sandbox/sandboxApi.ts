// Sandbox: the types of the sandbox API (docs/sandbox.md), the calls through
// the one API client, the sample upload (XMLHttpRequest for progress) and
// the TanStack Query hooks of the Sandbox page.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, ApiError, readCookie } from "../api/client";

export type SubmissionKind = "file" | "url" | "domain" | "ip" | "hash";
export type SubmissionStatus = "queued" | "running" | "done" | "failed";
export type Verdict = "clean" | "suspicious" | "malicious";

export interface ExternalVerdict {
  source: string;
  kind: string;
  value: string;
  status: "malicious" | "suspicious" | "harmless" | "unknown" | "error";
  malicious: boolean;
  score: number;
  summary: string;
  link?: string;
  details?: Record<string, unknown>;
  checked_at: string;
  cached?: boolean;
  error?: string;
}

export interface Reason {
  code: string;
  message: string;
  weight: number;
  evidence?: string;
}

export interface ReportIndicator {
  type: string;
  value: string;
  source?: string;
}

export interface ExtractedString {
  value: string;
  offset?: number;
  encoding?: string;
}

export interface YaraMatch {
  rule: string;
  namespace?: string;
  tags?: string[];
  meta?: Record<string, unknown>;
  strings?: { name: string; offset: number; data: string }[];
}

/** The sandbox report (internal/sandbox Report); format sections are opaque objects shown as they come. */
export interface Report {
  kind: SubmissionKind;
  target: string;
  path?: string;
  depth?: number;
  verdict: Verdict;
  score: number;
  reasons: Reason[];
  indicators: ReportIndicator[];
  size?: number;
  hashes?: { md5?: string; sha1?: string; sha256?: string; sha512?: string; tlsh?: string; ssdeep?: string };
  type?: { id: string; mime: string; description: string; extensions?: string[] };
  extension_mismatch?: boolean;
  entropy?: number;
  entropy_chunks?: { offset: number; size?: number; entropy: number }[];
  strings?: { count: number; truncated: boolean; sample: ExtractedString[] };
  pe?: Record<string, unknown>;
  elf?: Record<string, unknown>;
  macho?: Record<string, unknown>;
  office?: Record<string, unknown>;
  pdf?: Record<string, unknown>;
  archive?: Record<string, unknown>;
  script?: Record<string, unknown>;
  url?: Record<string, unknown>;
  hash?: { algorithm: string; value: string };
  yara?: { enabled: boolean; message?: string; matches?: YaraMatch[]; error?: string };
  children?: Report[];
  errors?: string[];
  incomplete?: boolean;
  started_at: string;
  duration_ms: number;
}

export interface Submission {
  id: string;
  kind: SubmissionKind;
  target: string;
  sha256?: string;
  size?: number;
  status: SubmissionStatus;
  stage: string;
  progress: number;
  verdict?: Verdict | "";
  score: number;
  error?: string;
  source: string;
  submitted_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  duplicate?: boolean;
  report?: Report;
  external?: ExternalVerdict[];
}

export interface SubmissionList {
  items: Submission[];
  total: number;
}

export interface SubmissionQuery {
  kind?: string | undefined;
  verdict?: string | undefined;
  q?: string | undefined;
  limit?: number;
  offset?: number;
}

export interface SandboxInfo {
  yara_enabled: boolean;
  yara_message?: string;
  max_sample_size: number;
  encrypt_samples: boolean;
  workers: number;
  zip_password: string;
}

export interface HostSighting {
  host: string;
  host_id?: string;
  agent_id?: string;
  events: number;
  first_seen: string;
  last_seen: string;
  fields: string[];
}

export interface Seen {
  query: string;
  total: number;
  scanned: number;
  hosts: HostSighting[];
  sources: string[];
}

export interface YaraRule {
  id: string;
  name: string;
  description: string;
  source: string;
  enabled: boolean;
  compiled: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface YaraRuleList {
  items: YaraRule[];
  yara_enabled: boolean;
  message?: string;
}

export interface ServiceView {
  name: string;
  title: string;
  kinds: string[];
  enabled: boolean;
  configured: boolean;
  key_hint: string;
  base_url: string;
  default_url: string;
  timeout_seconds: number;
}

export interface SandboxSettings {
  services: ServiceView[];
  updated_by: string;
  updated_at: string | null;
}

export interface ServiceUpdate {
  enabled?: boolean;
  api_key?: string;
  base_url?: string;
  timeout_seconds?: number;
}

export interface TestResult {
  service: string;
  ok: boolean;
  message: string;
}

const enc = encodeURIComponent;
type S = AbortSignal | undefined;

export const sandboxApi = {
  info: (signal?: S) => api.get<SandboxInfo>("/api/v1/sandbox/info", { signal }),
  submitValue: (kind: SubmissionKind, value: string, reanalyze: boolean, signal?: S) =>
    api.post<Submission>("/api/v1/sandbox/submit", { kind, value, reanalyze }, signal),
  list: (q: SubmissionQuery, signal?: S) => api.get<SubmissionList>("/api/v1/sandbox/submissions", { query: { ...q }, signal }),
  get: (id: string, signal?: S) => api.get<Submission>(`/api/v1/sandbox/submissions/${enc(id)}`, { signal }),
  remove: (id: string, signal?: S) => api.delete(`/api/v1/sandbox/submissions/${enc(id)}`, signal),
  reanalyze: (id: string, signal?: S) => api.post<Submission>(`/api/v1/sandbox/submissions/${enc(id)}/reanalyze`, {}, signal),
  seen: (id: string, signal?: S) => api.get<Seen>(`/api/v1/sandbox/submissions/${enc(id)}/endpoints`, { signal }),
  downloadURL: (id: string) => `/api/v1/sandbox/submissions/${enc(id)}/download`,
  rules: (signal?: S) => api.get<YaraRuleList>("/api/v1/sandbox/yara-rules", { signal }),
  createRule: (body: { name: string; description: string; source: string; enabled: boolean }, signal?: S) =>
    api.post<YaraRule>("/api/v1/sandbox/yara-rules", body, signal),
  updateRule: (id: string, body: Partial<{ name: string; description: string; source: string; enabled: boolean }>, signal?: S) =>
    api.patch<YaraRule>(`/api/v1/sandbox/yara-rules/${enc(id)}`, body, signal),
  deleteRule: (id: string, signal?: S) => api.delete(`/api/v1/sandbox/yara-rules/${enc(id)}`, signal),
  settings: (signal?: S) => api.get<SandboxSettings>("/api/v1/sandbox/settings", { signal }),
  putSettings: (services: Record<string, ServiceUpdate>, signal?: S) => api.put<SandboxSettings>("/api/v1/sandbox/settings", { services }, signal),
  testService: (service: string, apiKey: string, signal?: S) =>
    api.post<TestResult>("/api/v1/sandbox/settings/test", apiKey ? { service, api_key: apiKey } : { service }, signal),
  /** "Add to intel": POST /api/v1/intel/indicators (the type is detected by the server when empty). */
  addIndicator: (ind: ReportIndicator, target: string, signal?: S) =>
    api.post<{ id: string }>(
      "/api/v1/intel/indicators",
      { type: intelType(ind.type), value: ind.value, description: `From the sandbox analysis of ${target}`.slice(0, 4000), tags: ["sandbox"] },
      signal,
    ),
};

/** The intel type of a report indicator; "" lets the server detect it (hashes). */
export function intelType(t: string): string {
  switch (t) {
    case "url":
    case "ipv4":
    case "ipv6":
    case "domain":
    case "email":
      return t;
    default:
      return "";
  }
}

/** Whether the intel API takes an indicator of this report type. */
export function intelAccepts(t: string): boolean {
  return ["url", "ipv4", "ipv6", "domain", "email", "hash"].includes(t);
}

/** How far an upload has come. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST /api/v1/sandbox/submit with the file as multipart form data, through
 * XMLHttpRequest because fetch cannot report upload progress. A 401 makes
 * the client refresh the session (GET /api/v1/me) and the upload go once more.
 */
export async function uploadSample(file: File, reanalyze: boolean, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<Submission> {
  let res = await send(file, reanalyze, onProgress, signal);
  if (res.status === 401) {
    await api.me(signal);
    res = await send(file, reanalyze, onProgress, signal);
  }
  let body: unknown;
  try {
    body = res.body === "" ? undefined : JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  if (res.status >= 200 && res.status < 300) return body as Submission;
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  if (err && typeof err.code === "string") {
    throw new ApiError(
      res.status,
      err.code,
      typeof err.message === "string" ? err.message : `The server answered ${res.status}.`,
      typeof err.field === "string" && err.field !== "" ? err.field : undefined,
    );
  }
  throw new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}.`);
}

function send(file: File, reanalyze: boolean, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/sandbox/submit");
    xhr.setRequestHeader("Accept", "application/json");
    const csrf = readCookie("es_csrf");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    if (reanalyze) form.append("reanalyze", "true");
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

export const sandboxKeys = {
  all: ["sandbox"] as const,
  info: ["sandbox", "info"] as const,
  list: (q: SubmissionQuery) => ["sandbox", "list", q] as const,
  one: (id: string) => ["sandbox", "submission", id] as const,
  seen: (id: string) => ["sandbox", "seen", id] as const,
  rules: ["sandbox", "rules"] as const,
  settings: ["sandbox", "settings"] as const,
};

export function useSandboxInfo() {
  return useQuery({ queryKey: sandboxKeys.info, queryFn: ({ signal }) => sandboxApi.info(signal), staleTime: 60_000 });
}

export function useSubmissions(q: SubmissionQuery) {
  return useQuery({ queryKey: sandboxKeys.list(q), queryFn: ({ signal }) => sandboxApi.list(q, signal), placeholderData: keepPreviousData });
}

export function useSubmission(id: string) {
  return useQuery({
    queryKey: sandboxKeys.one(id),
    queryFn: ({ signal }) => sandboxApi.get(id, signal),
    // Live messages drive updates; polling is the fallback while it runs.
    refetchInterval: (query) => (query.state.data && (query.state.data.status === "queued" || query.state.data.status === "running") ? 3000 : false),
  });
}

export function useSeen(id: string, enabled: boolean) {
  return useQuery({ queryKey: sandboxKeys.seen(id), queryFn: ({ signal }) => sandboxApi.seen(id, signal), enabled });
}

export function useYaraRules() {
  return useQuery({ queryKey: sandboxKeys.rules, queryFn: ({ signal }) => sandboxApi.rules(signal) });
}

export function useSandboxSettings() {
  return useQuery({ queryKey: sandboxKeys.settings, queryFn: ({ signal }) => sandboxApi.settings(signal) });
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
