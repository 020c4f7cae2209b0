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

export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
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
  role: Role;
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
  role: Role;
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
  name: Role;
  description: string;
  permissions: string[];
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

/** Body of every API error. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
  };
}
