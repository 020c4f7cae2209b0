// Threat intel: the types of /api/v1/intel/* and /api/threats/check, the
// calls, and the TanStack Query hooks of the Threat Intel page.

import { useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "../api/client";

export const INDICATOR_TYPES = [
  "ipv4",
  "ipv6",
  "cidr",
  "domain",
  "url",
  "md5",
  "sha1",
  "sha256",
  "email",
  "filename",
  "ja3",
  "ja4",
  "user_agent",
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export const TYPE_LABELS: Record<string, string> = {
  ipv4: "IPv4",
  ipv6: "IPv6",
  cidr: "CIDR block",
  domain: "Domain",
  url: "URL",
  md5: "MD5",
  sha1: "SHA-1",
  sha256: "SHA-256",
  email: "E-mail",
  filename: "File name",
  ja3: "JA3",
  ja4: "JA4",
  user_agent: "User agent",
};

export const INTEL_SEVERITIES = ["informational", "low", "medium", "high", "critical"] as const;

export interface Indicator {
  id: string;
  type: string;
  value: string;
  confidence: number;
  severity: string;
  source: string;
  feed_id: string;
  tags: string[];
  description: string;
  exact_only: boolean;
  first_seen: string;
  last_seen: string;
  expires_at: string | null;
  active: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
  sightings: number;
  last_sighting_at: string | null;
  retro_status: "" | "pending" | "done" | "failed";
  retro_hits: number;
  retro_at: string | null;
}

export interface IndicatorList {
  items: Indicator[];
  total: number;
}

export interface IndicatorQuery {
  type?: string;
  q?: string;
  severity?: string;
  source?: string;
  active?: "true" | "false" | "";
  sort?: "updated" | "value" | "sightings";
  limit?: number;
  offset?: number;
}

/** An indicator as created (value required) or patched (null expires_at removes the expiry). */
export interface IndicatorBody {
  type?: string;
  value?: string;
  confidence?: number;
  severity?: string;
  tags?: string[];
  description?: string;
  exact_only?: boolean;
  expires_at?: string | null;
}

export interface Sighting {
  id: string;
  indicator_id: string;
  indicator_type: string;
  indicator_value: string;
  event_id: string;
  event_time: string;
  field: string;
  value: string;
  match_type: string;
  origin: "live" | "retro";
  seen_at: string;
}

export interface SightingList {
  items: Sighting[];
  total: number;
}

export interface IntelSummary {
  indicators: number;
  by_type: Record<string, number>;
  feeds: number;
  active_feeds: number;
  failing_feeds: number;
  sightings_24h: number;
  dropped_sightings: number;
}

export const FEED_FORMATS = ["stix", "misp", "misp-feed", "csv", "plain"] as const;
export const FEED_FORMAT_LABELS: Record<string, string> = {
  stix: "STIX 2.1 bundle",
  misp: "MISP event JSON",
  "misp-feed": "MISP feed (manifest.json)",
  csv: "CSV (type,value,...)",
  plain: "Plain list (one value per line)",
};

export interface Feed {
  id: string;
  name: string;
  url: string;
  format: string;
  interval_seconds: number;
  enabled: boolean;
  confidence: number;
  severity: string;
  tags: string[];
  status: "never_run" | "ok" | "failing" | "disabled";
  last_run_at: string | null;
  last_success_at: string | null;
  last_error: string;
  last_count: number;
  failures: number;
  next_run_at: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface FeedBody {
  name?: string;
  url?: string;
  format?: string;
  interval_seconds?: number;
  enabled?: boolean;
  confidence?: number;
  severity?: string;
  tags?: string[];
}

export interface RecordError {
  file: string;
  record: number;
  line?: number;
  field: string;
  reason: string;
  unsupported?: boolean;
}

export interface FeedRun {
  feed: Feed;
  not_modified: boolean;
  indicators: number;
  created: number;
  updated: number;
  expired: number;
  error_count: number;
  errors: RecordError[];
  error?: string;
}

export interface ImportReport {
  format: string;
  name: string;
  source: string;
  indicators: number;
  created: number;
  updated: number;
  error_count: number;
  errors: RecordError[];
  skipped: Record<string, number>;
  warnings: string[];
  retro_hunted: number;
}

export interface ImportOptions {
  format?: string;
  source?: string;
  severity?: string;
  confidence?: number;
  tags?: string;
}

const enc = encodeURIComponent;

/**
 * POST /api/v1/intel/import with the file as the raw body and the options in
 * the query. The session and CSRF work as in the API client: X-CSRF-Token,
 * and on a 401 the session is refreshed (GET /api/v1/me) and the upload sent
 * once more.
 */
export async function importIndicators(file: Blob, name: string, opts: ImportOptions, signal?: AbortSignal): Promise<ImportReport> {
  const query = new URLSearchParams({ name });
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined && v !== "") query.set(k, String(v));
  }
  const send = async () => {
    const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/octet-stream" };
    const csrf = readCookie("es_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init: RequestInit = { method: "POST", headers, credentials: "same-origin", body: file };
    if (signal) init.signal = signal;
    try {
      return await fetch(`/api/v1/intel/import?${query.toString()}`, init);
    } catch (err) {
      if ((err instanceof DOMException && err.name === "AbortError") || signal?.aborted) throw err;
      throw new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again.");
    }
  };
  let res = await send();
  if (res.status === 401) {
    await api.me(signal);
    res = await send();
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined;
  if (!res.ok) {
    const e = body?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `The server answered ${res.status}.`, e?.field || undefined);
  }
  return body as unknown as ImportReport;
}

function listQuery(q: IndicatorQuery): Record<string, string | number | undefined> {
  return {
    type: q.type || undefined,
    q: q.q || undefined,
    severity: q.severity || undefined,
    source: q.source || undefined,
    active: q.active || undefined,
    sort: q.sort || undefined,
    limit: q.limit,
    offset: q.offset,
  };
}

/** The export's URL: the browser downloads it (the session cookie goes along). */
export function exportUrl(format: "stix" | "csv", q: IndicatorQuery): string {
  const params = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(listQuery({ ...q, limit: undefined, offset: undefined, sort: undefined }))) {
    if (v !== undefined) params.set(k, String(v));
  }
  return `/api/v1/intel/export?${params.toString()}`;
}

export const intelApi = {
  summary: (signal?: AbortSignal) => api.get<IntelSummary>("/api/v1/intel/summary", { signal }),
  list: (q: IndicatorQuery, signal?: AbortSignal) => api.get<IndicatorList>("/api/v1/intel/indicators", { query: listQuery(q), signal }),
  create: (body: IndicatorBody) => api.post<Indicator>("/api/v1/intel/indicators", body),
  update: (id: string, body: IndicatorBody) => api.patch<Indicator>(`/api/v1/intel/indicators/${enc(id)}`, body),
  remove: (id: string) => api.delete(`/api/v1/intel/indicators/${enc(id)}`),
  removeMany: (ids: string[]) => api.post<{ deleted: number }>("/api/v1/intel/indicators/delete", { ids }),
  sightings: (q: { indicator_id?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    api.get<SightingList>("/api/v1/intel/sightings", { query: q, signal }),
  feeds: (signal?: AbortSignal) => api.get<{ items: Feed[] }>("/api/v1/intel/feeds", { signal }),
  createFeed: (body: FeedBody) => api.post<Feed>("/api/v1/intel/feeds", body),
  updateFeed: (id: string, body: FeedBody) => api.patch<Feed>(`/api/v1/intel/feeds/${enc(id)}`, body),
  deleteFeed: (id: string) => api.delete(`/api/v1/intel/feeds/${enc(id)}`),
  runFeed: (id: string) => api.post<FeedRun>(`/api/v1/intel/feeds/${enc(id)}/run`),
};

export const intelKeys = {
  all: ["intel"] as const,
  summary: ["intel", "summary"] as const,
  indicators: (q: IndicatorQuery) => ["intel", "indicators", q] as const,
  sightings: (q: object) => ["intel", "sightings", q] as const,
  feeds: ["intel", "feeds"] as const,
};

export function useIntelSummary() {
  return useQuery({ queryKey: intelKeys.summary, queryFn: ({ signal }) => intelApi.summary(signal), refetchInterval: 30_000 });
}

export function useIndicators(q: IndicatorQuery) {
  return useQuery({ queryKey: intelKeys.indicators(q), queryFn: ({ signal }) => intelApi.list(q, signal), placeholderData: (prev) => prev });
}

export function useSightings(q: { indicator_id?: string; limit?: number; offset?: number }) {
  return useQuery({ queryKey: intelKeys.sightings(q), queryFn: ({ signal }) => intelApi.sightings(q, signal), refetchInterval: 15_000 });
}

export function useFeeds() {
  return useQuery({ queryKey: intelKeys.feeds, queryFn: ({ signal }) => intelApi.feeds(signal) });
}
