// Types of the EventSec REST API v1, as documented in docs/api.md.
// Times are RFC 3339 strings in UTC; IDs are opaque strings.

export const ROLES = ["admin", "team_lead", "senior_analyst", "analyst", "viewer"] as const;

export type Role = (typeof ROLES)[number];

/** Human labels for roles, used wherever a role is shown to people. */
export const ROLE_LABELS: Record<Role, string> = {
  admin: "Admin",
  team_lead: "Team lead",
  senior_analyst: "Senior analyst",
  analyst: "Analyst",
  viewer: "Viewer",
};

/** The role only an API key may hold: it sends events and reads nothing. */
export const INGEST_ROLE = "ingest";

/** A role an API key may hold: any user role, or `ingest`. */
export type APIKeyRole = Role | typeof INGEST_ROLE;

const EXTRA_ROLE_LABELS: Record<string, string> = { ingest: "Ingest" };

export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? EXTRA_ROLE_LABELS[role] ?? role;
}

export interface User {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: Role;
  team: string;
  manager: string;
  computer: string;
  mobile_phone: string;
  disabled: boolean;
  /** Temporarily locked after repeated failed logins (the server adds this; not in docs/api.md). */
  locked?: boolean;
  platform_admin: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  password_changed_at: string | null;
}

/** GET /api/v1/me: the signed-in user and what they may do. */
export interface Me extends User {
  permissions: string[];
  /** How this request was authenticated: "cookie", "token" or "api_key". */
  auth_method?: string;
}

/** Answer of login, refresh and password change. */
export interface Session {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  csrf_token: string;
  user: User;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface ProfileUpdate {
  name?: string;
  team?: string;
  manager?: string;
  computer?: string;
  mobile_phone?: string;
}

export interface PasswordChange {
  current_password: string;
  new_password: string;
}

export interface UserList {
  items: User[];
  total: number;
}

export interface UserQuery {
  q?: string;
  role?: Role | "";
  disabled?: boolean;
  limit?: number;
  offset?: number;
}

export interface UserCreate {
  email: string;
  name: string;
  role: Role;
  password: string;
  team: string;
  manager: string;
  computer: string;
  mobile_phone: string;
}

export interface UserUpdate {
  email?: string;
  name?: string;
  role?: Role;
  team?: string;
  manager?: string;
  computer?: string;
  mobile_phone?: string;
  disabled?: boolean;
  password?: string;
}

export interface GroupMember {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Group {
  id: string;
  org_id: string;
  name: string;
  description: string;
  members: GroupMember[];
  created_at: string;
  updated_at: string;
}

export interface GroupList {
  items: Group[];
}

export interface GroupCreate {
  name: string;
  description: string;
  member_ids: string[];
}

/** PATCH /api/v1/groups/{id}: what is left out stays as it is. */
export interface GroupUpdate {
  name?: string;
  description?: string;
}

export interface APIKey {
  id: string;
  name: string;
  role: APIKeyRole;
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

/** POST /api/v1/api-keys answer: the only time the secret is seen. */
export interface CreatedAPIKey extends APIKey {
  key: string;
}

export interface APIKeyList {
  items: APIKey[];
}

export interface APIKeyCreate {
  name: string;
  role: APIKeyRole;
  expires_in_days: number;
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor_id: string;
  actor_email: string;
  action: string;
  target_type: string;
  target_id: string;
  summary: string;
  ip: string;
  request_id: string;
  prev_hash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEntry[];
  next_cursor: string | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  broken_at_seq?: number;
  reason?: string;
}

export interface RoleInfo {
  name: APIKeyRole;
  description: string;
  permissions: string[];
  /** True for roles only API keys may hold (`ingest`); never offered for users. */
  api_key_only?: boolean;
}

export interface RoleList {
  items: RoleInfo[];
}

export interface Org {
  id: string;
  name: string;
  created_at: string;
}

export interface OrgList {
  items: Org[];
}

export interface OrgCreate {
  name: string;
  admin_email: string;
  admin_name: string;
  admin_password?: string;
}

export interface CreatedOrg {
  org: Org;
  admin: User;
  generated_password?: string;
}

// --- Events ---

/** Severity bands, least to most severe (docs/api.md "Events"). */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;

export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<Severity, string> = {
  info: "Info",
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** A nested ECS document: objects, arrays and scalars as the server sent them. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };
export type Fields = { [key: string]: FieldValue };

/** One event, as every endpoint and the live feed show it. */
export interface SecurityEvent {
  id: string;
  seq?: number;
  "@timestamp": string;
  ingested: string;
  input: string;
  /** 0-100, Elastic's convention. */
  severity: number;
  severity_label: Severity;
  message?: string;
  fields: Fields;
  /** The original as received. */
  raw: string;
}

export interface EventPage {
  items: SecurityEvent[];
  total: number;
  next_cursor: string | null;
}

/** Shared by search, stats and export: the search syntax, bands and a time range. */
export interface EventFilter {
  query?: string;
  /** Severity bands, comma-separated in the query string. */
  severity?: Severity[];
  /** RFC 3339, or relative such as now-24h. */
  from?: string;
  to?: string;
}

/** The time order of a search: "desc" newest first (the default), "asc" oldest first. */
export type EventOrder = "asc" | "desc";

export interface EventSearch extends EventFilter {
  size?: number;
  /** Absent: newest first. A cursor continues in the order it was handed out in. */
  order?: EventOrder;
  cursor?: string;
}

export interface EventStatsQuery extends EventFilter {
  /** A duration such as 1m or 1h; automatic when absent. */
  interval?: string;
}

export interface TermCount {
  term: string;
  count: number;
}

/** GET /api/v1/events/terms: a field's top values over a whole search. */
export interface EventTermsQuery extends EventFilter {
  field: string;
  /** 1-100, default 5. */
  size?: number;
}

export interface EventTerms {
  field: string;
  /** Most frequent first. */
  terms: TermCount[];
  /** How many matching events have the field at all. */
  events: number;
}

export interface StatsBucket {
  start: string;
  count: number;
  by_severity: Partial<Record<Severity, number>>;
}

export interface EventStats {
  total: number;
  interval_seconds: number;
  /** The range the server counted (it fills in absent ends). */
  from?: string;
  to?: string;
  over_time: StatsBucket[];
  by_severity: TermCount[];
  by_category: TermCount[];
  by_dataset: TermCount[];
  by_input: TermCount[];
  top_hosts: TermCount[];
  top_users: TermCount[];
  top_sources: TermCount[];
  top_countries: TermCount[];
}

export const EXPORT_FORMATS = ["ndjson", "csv", "parquet"] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  query: string;
  severity: Severity[];
  from: string;
  to: string;
  format: ExportFormat;
  /** Absent: oldest first. */
  order?: EventOrder;
}

/** One end of an attack on the threat map. */
export interface AttackEndpoint {
  ip?: string;
  lat: number;
  lon: number;
  /** False when GeoIP placed nothing: lat and lon are then meaningless zeros. */
  has_location?: boolean;
  country_iso_code?: string;
  country_name?: string;
  city_name?: string;
  /** Names a non-public address, e.g. "private network". */
  label?: string;
}

/** The threat map's view of a located event (channel "threatmap", type "attack"). */
export interface Attack {
  event_id?: string;
  time: string;
  severity: number;
  severity_label: Severity;
  action?: string;
  dataset?: string;
  message?: string;
  source: AttackEndpoint;
  destination: AttackEndpoint;
}

/** A search of the Events explorer, saved for the organisation. */
export interface SavedSearch {
  id: string;
  name: string;
  description: string;
  /** The search syntax; "" for every event. */
  query: string;
  /** A time range preset ("24h"), or "" with from and to. */
  range: string;
  from: string;
  to: string;
  severity: Severity[];
  /** The table's columns; none keeps the reader's own. */
  columns: string[];
  created_by: string;
  created_by_email: string;
  created_at: string;
  updated_at: string;
}

export interface SavedSearchBody {
  name: string;
  description: string;
  query: string;
  range?: string;
  from?: string;
  to?: string;
  severity: Severity[];
  columns: string[];
}

export interface ThreatMapSummary {
  attacks: Attack[];
  top_source_countries: TermCount[];
  /** Every event in the range. */
  total: number;
  /** The events with coordinates at either end. */
  with_location: number;
  /** A GeoIP city or country database is configured on the server (absent from older servers). */
  geoip?: boolean;
  from?: string;
  to?: string;
}

/** GET/PATCH /api/v1/settings. */
export interface OrgSettings {
  retention_days: number;
  org_id?: string;
  org_name?: string;
}

export interface SettingsUpdate {
  retention_days: number;
}

/** A message on GET /api/v1/ws. */
export interface LiveMessage {
  channel: string;
  type: string;
  data: unknown;
}

/** Body of every API error. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    /** Where in a submitted text (a rule's source) the problem is, 1-based. */
    line?: number;
    column?: number;
  };
}
