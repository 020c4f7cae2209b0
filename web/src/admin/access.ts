// Who sees what in Administration. The server decides every request by
// permission (internal/auth/rbac.go); the UI mirrors the same permissions so
// that nobody is shown a tab, a button or a form the server would refuse.

import type { Me } from "../api/types";
import { hasPermission } from "../app/session";

export interface AdminTab {
  /** Path below /admin. */
  path: string;
  title: string;
  /** How a refusal names it: "You do not have access to {area}". */
  area: string;
  /** Needed to see the tab at all. */
  read: string;
  /** Needed for the tab's controls that change things; none for read-only tabs. */
  write?: string;
}

export const ADMIN_TABS: readonly AdminTab[] = [
  { path: "users", title: "Users", area: "Users", read: "users:read", write: "users:write" },
  { path: "groups", title: "Work groups", area: "Work groups", read: "groups:read", write: "groups:write" },
  { path: "api-keys", title: "API keys", area: "API keys", read: "apikeys:read", write: "apikeys:write" },
  { path: "audit", title: "Audit log", area: "the Audit log", read: "audit:read" },
  { path: "orgs", title: "Organisations", area: "Organisations", read: "platform:admin", write: "platform:admin" },
  { path: "settings", title: "Settings", area: "Settings", read: "settings:read", write: "settings:write" },
  { path: "notifications", title: "Notifications", area: "Notifications", read: "notify:read", write: "notify:write" },
];

// groups:read alone does not open Administration: every role holds it (work
// groups show up elsewhere), and an analyst has nothing to administer.
const ENTRY_PERMISSIONS = ["users:read", "groups:write", "apikeys:read", "audit:read", "platform:admin", "settings:read"] as const;

/** Whether Administration appears in the navigation and opens at all. */
export function canAdminister(me: Me): boolean {
  return ENTRY_PERMISSIONS.some((p) => hasPermission(me, p));
}

/** The tabs `me` may open, in order. */
export function allowedTabs(me: Me): AdminTab[] {
  return ADMIN_TABS.filter((t) => hasPermission(me, t.read));
}

export function adminTab(path: string): AdminTab {
  const tab = ADMIN_TABS.find((t) => t.path === path);
  if (!tab) throw new Error(`no Administration tab ${path}`);
  return tab;
}

/** Whether `me` may use the controls that change things on `path`'s tab. */
export function canWrite(me: Me, path: string): boolean {
  const { write } = adminTab(path);
  return write !== undefined && hasPermission(me, write);
}
