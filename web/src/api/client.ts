// The one HTTP client of the UI. The session lives in httpOnly cookies set by
// the server (es_access, es_refresh); scripts only ever see es_csrf, which is
// echoed in X-CSRF-Token on state-changing requests (double-submit). Nothing
// about the session is kept in localStorage.

import type {
  APIKey,
  APIKeyCreate,
  APIKeyList,
  AuditPage,
  AuditQuery,
  AuditVerification,
  CreatedAPIKey,
  CreatedOrg,
  ErrorBody,
  EventPage,
  EventSearch,
  EventStats,
  EventStatsQuery,
  EventTerms,
  EventTermsQuery,
  ExportRequest,
  Group,
  GroupCreate,
  GroupList,
  GroupUpdate,
  LoginRequest,
  Me,
  OrgCreate,
  OrgList,
  OrgSettings,
  PasswordChange,
  ProfileUpdate,
  RoleList,
  SecurityEvent,
  Session,
  SettingsUpdate,
  SavedSearch,
  SavedSearchBody,
  ThreatMapSummary,
  User,
  UserCreate,
  UserList,
  UserQuery,
  UserUpdate,
} from "./types";

/** An error answered by the server (or the network), in the API's own terms. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** Where in a submitted text (a rule's source) the problem is, 1-based; absent when the server did not say. */
  readonly at: { line: number; column: number } | undefined;

  constructor(status: number, code: string, message: string, field?: string, at?: { line: number; column: number }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.at = at;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface ApiClientOptions {
  /** Prefix of every path; empty when the UI is served by the API server. */
  baseUrl?: string;
  /** Called when the session is gone and refreshing it failed. */
  onSessionLost?: () => void;
}

const LOGIN_PATH = "/api/v1/auth/login";
const REFRESH_PATH = "/api/v1/auth/refresh";
const UNSAFE_METHODS: ReadonlySet<Method> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Reads a cookie readable by scripts; es_csrf is the only one the server sets so. */
export function readCookie(name: string): string | undefined {
  if (typeof document === "undefined") return undefined;
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function defaultSessionLost(): void {
  if (typeof window === "undefined") return;
  const { pathname, search } = window.location;
  if (pathname === "/login") return;
  const next = encodeURIComponent(pathname + search);
  window.location.assign(`/login?next=${next}`);
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as Partial<ErrorBody> | undefined)?.error;
  if (err && typeof err.code === "string") {
    return new ApiError(
      res.status,
      err.code,
      typeof err.message === "string" && err.message !== "" ? err.message : res.statusText,
      typeof err.field === "string" && err.field !== "" ? err.field : undefined,
      typeof err.line === "number" && err.line > 0 ? { line: err.line, column: typeof err.column === "number" ? err.column : 0 } : undefined,
    );
  }
  return new ApiError(
    res.status,
    `http_${res.status}`,
    `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`,
  );
}

export class ApiClient {
  private readonly baseUrl: string;
  private onSessionLost: () => void;
  // One refresh at a time: concurrent 401s wait for the same answer, because
  // refresh tokens rotate and a second use would revoke the whole session.
  private refreshing: Promise<boolean> | null = null;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? "";
    this.onSessionLost = options.onSessionLost ?? defaultSessionLost;
  }

  setSessionLostHandler(handler: () => void): void {
    this.onSessionLost = handler;
  }

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.respond(method, path, options);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /**
   * The successful response itself, unread, for bodies that are not JSON
   * (exports): the caller streams it. Errors are thrown as for `request`.
   */
  async respond(method: Method, path: string, options: RequestOptions = {}): Promise<Response> {
    let res = await this.send(method, path, options);
    if (res.status === 401 && path !== LOGIN_PATH && path !== REFRESH_PATH) {
      const first = await errorFrom(res);
      // invalid_credentials is about a password in the body (e.g. the current
      // password of a password change), not about the session.
      if (first.code === "invalid_credentials") throw first;
      if (!(await this.refresh())) {
        this.onSessionLost();
        throw first;
      }
      res = await this.send(method, path, options);
      if (res.status === 401) {
        const second = await errorFrom(res);
        this.onSessionLost();
        throw second;
      }
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  private async send(method: Method, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (UNSAFE_METHODS.has(method)) {
      const csrf = readCookie("es_csrf");
      if (csrf) headers["X-CSRF-Token"] = csrf;
    }
    const init: RequestInit = { method, headers, credentials: "same-origin" };
    if (body !== undefined) init.body = body;
    if (options.signal) init.signal = options.signal;
    try {
      return await fetch(this.baseUrl + path + queryString(options.query), init);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      if (options.signal?.aborted) throw err;
      throw new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again.");
    }
  }

  private refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.send("POST", REFRESH_PATH, { body: {} })
        .then((res) => res.ok)
        .catch(() => false)
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, options);
  }
  post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>("POST", path, { body: body ?? {}, signal });
  }
  put<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>("PUT", path, { body, signal });
  }
  patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>("PATCH", path, { body, signal });
  }
  delete<T = void>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>("DELETE", path, { signal });
  }

  // --- Auth and the signed-in user ---

  login(req: LoginRequest, signal?: AbortSignal): Promise<Session> {
    return this.post<Session>(LOGIN_PATH, req, signal);
  }
  logout(signal?: AbortSignal): Promise<void> {
    return this.post<void>("/api/v1/auth/logout", {}, signal);
  }
  me(signal?: AbortSignal): Promise<Me> {
    return this.get<Me>("/api/v1/me", { signal });
  }
  updateMe(update: ProfileUpdate, signal?: AbortSignal): Promise<User> {
    return this.patch<User>("/api/v1/me", update, signal);
  }
  changePassword(req: PasswordChange, signal?: AbortSignal): Promise<Session> {
    return this.post<Session>("/api/v1/me/password", req, signal);
  }

  // --- Users ---

  listUsers(query: UserQuery = {}, signal?: AbortSignal): Promise<UserList> {
    return this.get<UserList>("/api/v1/users", { query: { ...query }, signal });
  }
  createUser(user: UserCreate, signal?: AbortSignal): Promise<User> {
    return this.post<User>("/api/v1/users", user, signal);
  }
  updateUser(id: string, update: UserUpdate, signal?: AbortSignal): Promise<User> {
    return this.patch<User>(`/api/v1/users/${encodeURIComponent(id)}`, update, signal);
  }
  deleteUser(id: string, signal?: AbortSignal): Promise<void> {
    return this.delete(`/api/v1/users/${encodeURIComponent(id)}`, signal);
  }

  // --- Work groups ---

  listGroups(signal?: AbortSignal): Promise<GroupList> {
    return this.get<GroupList>("/api/v1/groups", { signal });
  }
  createGroup(group: GroupCreate, signal?: AbortSignal): Promise<Group> {
    return this.post<Group>("/api/v1/groups", group, signal);
  }
  updateGroup(id: string, update: GroupUpdate, signal?: AbortSignal): Promise<Group> {
    return this.patch<Group>(`/api/v1/groups/${encodeURIComponent(id)}`, update, signal);
  }
  deleteGroup(id: string, signal?: AbortSignal): Promise<void> {
    return this.delete(`/api/v1/groups/${encodeURIComponent(id)}`, signal);
  }
  addGroupMember(groupId: string, userId: string, signal?: AbortSignal): Promise<Group> {
    return this.put<Group>(
      `/api/v1/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}`,
      undefined,
      signal,
    );
  }
  removeGroupMember(groupId: string, userId: string, signal?: AbortSignal): Promise<Group> {
    return this.delete<Group>(
      `/api/v1/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}`,
      signal,
    );
  }

  // --- API keys ---

  listAPIKeys(signal?: AbortSignal): Promise<APIKeyList> {
    return this.get<APIKeyList>("/api/v1/api-keys", { signal });
  }
  createAPIKey(req: APIKeyCreate, signal?: AbortSignal): Promise<CreatedAPIKey> {
    return this.post<CreatedAPIKey>("/api/v1/api-keys", req, signal);
  }
  revokeAPIKey(key: Pick<APIKey, "id">, signal?: AbortSignal): Promise<void> {
    return this.delete(`/api/v1/api-keys/${encodeURIComponent(key.id)}`, signal);
  }

  // --- Audit log ---

  listAudit(query: AuditQuery = {}, signal?: AbortSignal): Promise<AuditPage> {
    return this.get<AuditPage>("/api/v1/audit", { query: { ...query }, signal });
  }
  verifyAudit(signal?: AbortSignal): Promise<AuditVerification> {
    return this.get<AuditVerification>("/api/v1/audit/verify", { signal });
  }

  // --- Roles and organisations ---

  listRoles(signal?: AbortSignal): Promise<RoleList> {
    return this.get<RoleList>("/api/v1/roles", { signal });
  }
  listOrgs(signal?: AbortSignal): Promise<OrgList> {
    return this.get<OrgList>("/api/v1/orgs", { signal });
  }
  createOrg(req: OrgCreate, signal?: AbortSignal): Promise<CreatedOrg> {
    return this.post<CreatedOrg>("/api/v1/orgs", req, signal);
  }

  // --- Events ---

  searchEvents(search: EventSearch, signal?: AbortSignal): Promise<EventPage> {
    return this.get<EventPage>("/api/v1/events", { query: eventParams(search), signal });
  }
  getEvent(id: string, signal?: AbortSignal): Promise<SecurityEvent> {
    return this.get<SecurityEvent>(`/api/v1/events/${encodeURIComponent(id)}`, { signal });
  }
  eventStats(query: EventStatsQuery, signal?: AbortSignal): Promise<EventStats> {
    return this.get<EventStats>("/api/v1/events/stats/summary", { query: eventParams(query), signal });
  }
  eventTerms(query: EventTermsQuery, signal?: AbortSignal): Promise<EventTerms> {
    return this.get<EventTerms>("/api/v1/events/terms", { query: { ...eventParams(query), field: query.field }, signal });
  }
  /** The export, streamed: read its body as it arrives. */
  exportEvents(req: ExportRequest, signal?: AbortSignal): Promise<Response> {
    return this.respond("POST", "/api/v1/events/export", { body: req, signal });
  }
  listSavedSearches(signal?: AbortSignal): Promise<{ items: SavedSearch[] }> {
    return this.get<{ items: SavedSearch[] }>("/api/v1/events/saved", { signal });
  }
  createSavedSearch(body: SavedSearchBody, signal?: AbortSignal): Promise<SavedSearch> {
    return this.post<SavedSearch>("/api/v1/events/saved", body, signal);
  }
  updateSavedSearch(id: string, body: SavedSearchBody, signal?: AbortSignal): Promise<SavedSearch> {
    return this.put<SavedSearch>(`/api/v1/events/saved/${encodeURIComponent(id)}`, body, signal);
  }
  deleteSavedSearch(id: string, signal?: AbortSignal): Promise<void> {
    return this.delete(`/api/v1/events/saved/${encodeURIComponent(id)}`, signal);
  }
  threatMapSummary(range: { from?: string; to?: string }, signal?: AbortSignal): Promise<ThreatMapSummary> {
    return this.get<ThreatMapSummary>("/api/v1/threatmap/summary", { query: { from: range.from, to: range.to }, signal });
  }

  // --- Settings ---

  getSettings(signal?: AbortSignal): Promise<OrgSettings> {
    return this.get<OrgSettings>("/api/v1/settings", { signal });
  }
  updateSettings(update: SettingsUpdate, signal?: AbortSignal): Promise<OrgSettings> {
    return this.patch<OrgSettings>("/api/v1/settings", update, signal);
  }
}

/** Search, stats and export filters as query parameters (severity comma-separated). */
function eventParams(q: EventSearch & EventStatsQuery): Record<string, QueryValue> {
  return {
    query: q.query?.trim(),
    severity: q.severity && q.severity.length > 0 ? q.severity.join(",") : undefined,
    from: q.from,
    to: q.to,
    size: q.size,
    order: q.order,
    cursor: q.cursor,
    interval: q.interval,
  };
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The client the app uses; tests build their own. */
export const api = new ApiClient();
