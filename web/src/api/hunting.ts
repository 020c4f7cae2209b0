// Hunting: the types of the KQL endpoints (POST /api/v1/search/kql and
// its check, schema, history and saved queries), the calls, and the
// TanStack Query hooks of the Hunting page.

import { useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "./client";

/** The KQL scalar types a result column or a table column can have. */
export const KQL_TYPES = ["string", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "dynamic", "guid"] as const;
export type KqlType = (typeof KQL_TYPES)[number];

export interface KqlColumn {
  name: string;
  /** One of KQL_TYPES; kept as a string so that a newer server's type still shows. */
  type: KqlType | string;
}

/**
 * A value as the API sends it: datetime as RFC 3339, timespan as "01:00:00",
 * dynamic as any JSON value, numbers, booleans, strings and null.
 */
export type KqlValue = unknown;

export interface KqlStats {
  rows: number;
  elapsed_ms: number;
  /** Rows the store read to answer. */
  scanned: number;
}

export interface KqlResult {
  columns: KqlColumn[];
  rows: KqlValue[][];
  stats: KqlStats;
  /** True when the query returned more rows than the limit: only the first `limit` are here. */
  truncated: boolean;
  /** The history entry this run made. */
  query_id: string;
}

export interface KqlRunRequest {
  query: string;
  /** RFC 3339 or relative ("now-24h"); with neither bound the server reads the last 24 hours. */
  from?: string;
  to?: string;
  /** 1 to 10,000; the server's default is 500. */
  limit?: number;
}

/** One problem of a query at a 1-based line and column (the column counts characters, not bytes). */
export interface KqlProblem {
  code: string;
  message: string;
  line: number;
  column: number;
}

export interface KqlCheck {
  valid: boolean;
  errors: KqlProblem[];
}

export interface KqlSchemaColumn {
  name: string;
  type: KqlType | string;
  doc?: string;
}

export interface KqlTable {
  name: string;
  doc: string;
  columns: KqlSchemaColumn[];
}

export interface KqlSchema {
  tables: KqlTable[];
  functions: string[];
  aggregates: string[];
  operators: string[];
}

/** One of the caller's runs, newest first in the history. */
export interface KqlHistoryItem {
  id: string;
  query: string;
  ran_at: string;
  rows: number;
  elapsed_ms: number;
  /** Empty when the run succeeded. */
  error: string;
}

/** A query saved for the whole organisation. */
export interface SavedQuery {
  id: string;
  name: string;
  description: string;
  query: string;
  created_by: string;
  created_by_email: string;
  created_at: string;
  updated_at: string;
}

export interface SavedQueryBody {
  name: string;
  description?: string;
  query: string;
}

/** The error codes of a query the server could not parse or check (400). */
export const KQL_ERROR_CODES = ["kql_syntax", "kql_semantic"] as const;

/**
 * The server's refusal of a query, with where in the query it is (1-based;
 * 0 when the server did not say). Any other failure is a plain ApiError.
 */
export class KqlError extends ApiError {
  readonly line: number;
  readonly column: number;

  constructor(status: number, code: string, message: string, line: number, column: number, field?: string) {
    super(status, code, message, field);
    this.name = "KqlError";
    this.line = line;
    this.column = column;
  }
}

export function isKqlError(err: unknown): err is KqlError {
  return err instanceof KqlError;
}

/** A query that ran out of time (408 or 504 `query_timeout`). */
export function isQueryTimeout(err: unknown): boolean {
  return err instanceof ApiError && (err.code === "query_timeout" || err.status === 408 || err.status === 504);
}

const RUN_PATH = "/api/v1/search/kql";
const NETWORK_ERROR = "Cannot reach the EventSec server. Check your connection and try again.";

/**
 * POST /api/v1/search/kql. The API client's errors carry no position, and a
 * refused query must be marked where it is wrong, so this one call reads
 * the error body itself; the session and CSRF work as in the client: the
 * X-CSRF-Token header, and on a 401 the session is refreshed through the
 * client (GET /api/v1/me refreshes or reports the session lost) and the
 * query sent once more.
 */
export async function runKql(req: KqlRunRequest, signal?: AbortSignal): Promise<KqlResult> {
  let res = await postRun(req, signal);
  if (res.status === 401) {
    await api.me(signal);
    res = await postRun(req, signal);
  }
  if (!res.ok) throw await runError(res);
  return (await res.json()) as KqlResult;
}

async function postRun(req: KqlRunRequest, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/json" };
  const csrf = readCookie("es_csrf");
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const init: RequestInit = { method: "POST", headers, credentials: "same-origin", body: JSON.stringify(req) };
  if (signal) init.signal = signal;
  try {
    return await fetch(RUN_PATH, init);
  } catch (err) {
    if ((err instanceof DOMException && err.name === "AbortError") || signal?.aborted) throw err;
    throw new ApiError(0, "network_error", NETWORK_ERROR);
  }
}

interface RunErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; line?: unknown; column?: unknown };
}

async function runError(res: Response): Promise<ApiError> {
  let body: RunErrorBody | undefined;
  try {
    body = (await res.json()) as RunErrorBody;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  if (!e || typeof e.code !== "string") {
    if (res.status === 408 || res.status === 504) return new ApiError(res.status, "query_timeout", "The query ran longer than the time limit.");
    return new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`);
  }
  const message = typeof e.message === "string" && e.message !== "" ? e.message : res.statusText;
  const field = typeof e.field === "string" && e.field !== "" ? e.field : undefined;
  if ((KQL_ERROR_CODES as readonly string[]).includes(e.code)) {
    const line = typeof e.line === "number" && e.line > 0 ? e.line : 0;
    const column = typeof e.column === "number" && e.column > 0 ? e.column : 0;
    return new KqlError(res.status, e.code, message, line, column, field);
  }
  return new ApiError(res.status, e.code, message, field);
}

const enc = encodeURIComponent;

export const huntingApi = {
  run: runKql,
  check: (query: string, signal?: AbortSignal) => api.post<KqlCheck>("/api/v1/search/kql/check", { query }, signal),
  schema: (signal?: AbortSignal) => api.get<KqlSchema>("/api/v1/search/kql/schema", { signal }),
  history: (limit = 50, signal?: AbortSignal) => api.get<{ items: KqlHistoryItem[] }>("/api/v1/search/kql/history", { query: { limit }, signal }),
  listSaved: (signal?: AbortSignal) => api.get<{ items: SavedQuery[] }>("/api/v1/search/kql/saved", { signal }),
  createSaved: (body: SavedQueryBody, signal?: AbortSignal) => api.post<SavedQuery>("/api/v1/search/kql/saved", body, signal),
  updateSaved: (id: string, body: SavedQueryBody, signal?: AbortSignal) => api.put<SavedQuery>(`/api/v1/search/kql/saved/${enc(id)}`, body, signal),
  deleteSaved: (id: string, signal?: AbortSignal) => api.delete(`/api/v1/search/kql/saved/${enc(id)}`, signal),
};

// --- Query keys and hooks ---

export const huntingKeys = {
  all: ["hunting"] as const,
  schema: ["hunting", "schema"] as const,
  check: (query: string) => ["hunting", "check", query] as const,
  history: ["hunting", "history"] as const,
  saved: ["hunting", "saved"] as const,
};

/** The tables, columns, functions and operators; they change only with the server (or the org's data sources). */
export function useKqlSchema() {
  return useQuery({
    queryKey: huntingKeys.schema,
    queryFn: ({ signal }) => huntingApi.schema(signal),
    staleTime: 10 * 60_000,
  });
}

export const HISTORY_LIMIT = 50;

export function useKqlHistory(enabled = true) {
  return useQuery({
    queryKey: huntingKeys.history,
    queryFn: ({ signal }) => huntingApi.history(HISTORY_LIMIT, signal),
    enabled,
  });
}

export function useSavedQueries(enabled = true) {
  return useQuery({
    queryKey: huntingKeys.saved,
    queryFn: ({ signal }) => huntingApi.listSaved(signal),
    enabled,
  });
}
