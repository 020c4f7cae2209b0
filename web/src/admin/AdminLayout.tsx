import { NavLink, Outlet } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { useDocumentTitle } from "../ui/useDocumentTitle";

/** Administration: its own tabs, and nothing at all for roles that may not read users. */
export function AdminLayout() {
  useDocumentTitle("Administration");
  const me = useCurrentUser();
  const allowed = hasPermission(me, "users:read");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Administration</h1>
      </header>
      {allowed ? (
        <>
          <nav className="tabs" aria-label="Administration">
            <NavLink to="/admin/users" className="tab">
              Users
            </NavLink>
            <NavLink to="/admin/groups" className="tab">
              Work groups
            </NavLink>
            <NavLink to="/admin/api-keys" className="tab">
              API keys
            </NavLink>
            <NavLink to="/admin/audit" className="tab">
              Audit log
            </NavLink>
            {me.platform_admin ? (
              <NavLink to="/admin/orgs" className="tab">
                Organisations
              </NavLink>
            ) : null}
          </nav>
          <Outlet />
        </>
      ) : (
        <AccessDenied area="Administration" role={me.role} />
      )}
    </section>
  );
}
