// Vulnerabilities: the types of the vulnerability API (docs/vulnerabilities.md),
// the calls through the one API client (the import goes as multipart, which
// the JSON client does not send), and the TanStack Query hooks of the page.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "../api/client";

export type VulnSeverity = "critical" | "high" | "medium" | "low" | "none" | "unknown";

export const VULN_SEVERITIES: readonly VulnSeverity[] = ["critical", "high", "medium", "low", "unknown"];

export const VULN_SEVERITY_LABELS: Record<VulnSeverity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  none: "None",
  unknown: "Unrated",
};

export interface VulnRow {
  id: string;
  cve: string;
  advisories: string[];
  aliases: string[];
  summary: string;
  severity: VulnSeverity;
  score: number;
  packages: string[];
  fixed_versions: string[];
  ecosystems: string[];
  affected_endpoints: number;
  findings: number;
}

export interface VulnPage {
  items: VulnRow[];
  total: number;
  computed_at?: string;
  available: boolean;
  message?: string;
  database?: { advisories: number; updated_at: string | null };
}

export interface VulnQuery {
  severity?: string | undefined;
  q?: string | undefined;
  package?: string | undefined;
  endpoint?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface VulnRecord {
  id: string;
  aliases: string[];
  related: string[];
  summary: string;
  details: string;
  published: string | null;
  modified: string | null;
  severity: Array<{ type: string; score: string }>;
  references: Array<{ type: string; url: string }>;
  packages: Array<{ ecosystem: string; name: string; severity: VulnSeverity; score: number; severity_source: string }>;
}

export interface AffectedEndpoint {
  endpoint_id: string;
  endpoint_name: string;
  hostname: string;
  platform: string;
  platform_version: string;
  advisory_id: string;
  package: string;
  installed_version: string;
  fixed_version: string;
  ecosystem: string;
  severity: VulnSeverity;
  score: number;
  severity_source: string;
  reason: string;
}

export interface VulnDetail {
  vulnerability: VulnRow;
  records: VulnRecord[];
  affected: AffectedEndpoint[];
}

export interface VulnDB {
  advisories: number;
  affected_packages: number;
  ecosystems: Record<string, number>;
  unmatchable: number;
  last_modified: string | null;
  updated_at: string | null;
  saved: boolean;
  last_import: null | {
    at: string;
    records: number;
    added: number;
    updated: number;
    removed: number;
    errors: number;
    duration_ms: number;
    files: Array<{ name: string; records: number; errors: number }>;
  };
}

export interface VulnCount {
  id?: string;
  name: string;
  hostname?: string;
  vulnerabilities: number;
  findings: number;
  endpoints?: number;
  severity: VulnSeverity;
}

export interface VulnStats {
  computed_at: string;
  endpoints: number;
  endpoints_with_software: number;
  affected_endpoints: number;
  vulnerabilities: number;
  findings: number;
  by_severity: Record<string, number>;
  findings_by_severity: Record<string, number>;
  top_packages: VulnCount[];
  top_endpoints: VulnCount[];
  database: VulnDB;
}

export interface ImportFileError {
  file: string;
  path: string;
  offset: number;
  reason: string;
  message: string;
}

export interface ImportFileReport {
  name: string;
  documents: number;
  records: number;
  added: number;
  updated: number;
  unchanged: number;
  older: number;
  withdrawn: number;
  removed: number;
  skipped: number;
  errors: ImportFileError[];
  warnings: ImportFileError[];
  errors_dropped: number;
  warnings_dropped: number;
  duration_ms: number;
  error: string;
}

export interface ImportResult {
  files: ImportFileReport[];
  records: number;
  database: VulnDB;
}

/** The refusal of an import that read nothing: the server's per-file report comes with it. */
export class ImportRefused extends ApiError {
  readonly result: ImportResult | undefined;
  constructor(status: number, code: string, message: string, result: ImportResult | undefined) {
    super(status, code, message, "file");
    this.result = result;
  }
}

export const vulnKeys = {
  all: ["vulnerabilities"] as const,
  list: (q: VulnQuery) => ["vulnerabilities", "list", q] as const,
  stats: ["vulnerabilities", "stats"] as const,
  detail: (id: string) => ["vulnerabilities", "detail", id] as const,
};

export const vulnsApi = {
  list: (q: VulnQuery, signal?: AbortSignal) => api.request<VulnPage>("GET", "/api/v1/vulnerabilities", { query: { ...q }, signal }),
  stats: (signal?: AbortSignal) => api.request<VulnStats>("GET", "/api/v1/vulnerabilities/stats", { signal }),
  detail: (id: string, signal?: AbortSignal) => api.request<VulnDetail>("GET", `/api/v1/vulnerabilities/${encodeURIComponent(id)}`, { signal }),
};

export function useVulns(q: VulnQuery) {
  return useQuery({ queryKey: vulnKeys.list(q), queryFn: ({ signal }) => vulnsApi.list(q, signal), placeholderData: keepPreviousData });
}

export function useVulnStats() {
  return useQuery({ queryKey: vulnKeys.stats, queryFn: ({ signal }) => vulnsApi.stats(signal) });
}

export function useVulnDetail(id: string) {
  return useQuery({ queryKey: vulnKeys.detail(id), queryFn: ({ signal }) => vulnsApi.detail(id, signal) });
}

/** Uploads OSV files (multipart, field "file" per file) and returns the per-file report. */
export async function importOSV(files: readonly File[], signal?: AbortSignal): Promise<ImportResult> {
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  const headers: Record<string, string> = { Accept: "application/json" };
  const csrf = readCookie("es_csrf");
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let res: Response;
  try {
    const init: RequestInit = { method: "POST", headers, body: form, credentials: "same-origin" };
    if (signal) init.signal = signal;
    res = await fetch("/api/v1/vulnerabilities/import", init);
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again.");
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok && body && typeof body === "object") return body as ImportResult;
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (err && typeof err.code === "string") {
    const message = typeof err.message === "string" && err.message !== "" ? err.message : res.statusText;
    throw new ImportRefused(res.status, err.code, message, err.details as ImportResult | undefined);
  }
  throw new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`);
}
