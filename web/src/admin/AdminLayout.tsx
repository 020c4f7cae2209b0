import type { ReactNode } from "react";
import { Navigate, NavLink, Outlet } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { adminTab, allowedTabs, canAdminister } from "./access";

/**
 * Administration: the tabs the user's permissions allow, and nothing at all
 * for roles with nothing to administer.
 */
export function AdminLayout() {
  const me = useCurrentUser();
  const tabs = allowedTabs(me);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Administration</h1>
      </header>
      {canAdminister(me) ? (
        <>
          <nav className="tabs" aria-label="Administration">
            {tabs.map((t) => (
              <NavLink key={t.path} to={`/admin/${t.path}`} className="tab">
                {t.title}
              </NavLink>
            ))}
          </nav>
          <Outlet />
        </>
      ) : (
        <Refused area="Administration" title="Administration" role={me.role} />
      )}
    </section>
  );
}

/** /admin itself: the first tab the user may open. */
export function AdminIndex() {
  const me = useCurrentUser();
  const first = allowedTabs(me)[0];
  if (!first) return <Refused area="Administration" title="Administration" role={me.role} />;
  return <Navigate to={`/admin/${first.path}`} replace />;
}

/**
 * One tab's page, mounted only with the tab's read permission: a tab opened
 * by its URL without it is refused before the page asks the API for anything.
 */
export function AdminTabGuard({ path, children }: { path: string; children: ReactNode }) {
  const me = useCurrentUser();
  const tab = adminTab(path);
  if (!hasPermission(me, tab.read)) return <Refused area={tab.area} title={`${tab.title} · Administration`} role={me.role} />;
  return children;
}

// The pages name the document themselves; a refusal names it here. (The
// layout does not: effects run child first, so it would overwrite its tab.)
function Refused({ area, title, role }: { area: string; title: string; role: string }) {
  useDocumentTitle(title);
  return <AccessDenied area={area} role={role} />;
}
