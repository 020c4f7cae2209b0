// Rules: the detection rules (list, search, filters, enable/disable, import)
// and their ATT&CK coverage, as two tabs under one heading.

import { NavLink, Outlet } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import "./rules.css";

export function RulesLayout() {
  const me = useCurrentUser();
  if (!hasPermission(me, "rules:read")) return <RulesRefused role={me.role} />;
  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Detection rules</h1>
        <p className="page-subtitle">Sigma and JSON rules run on every event as it is stored; each match raises or updates an alert.</p>
      </header>
      <nav className="tabs" aria-label="Rules">
        <NavLink to="/rules" end className="tab">
          Rules
        </NavLink>
        <NavLink to="/rules/coverage" className="tab">
          ATT&amp;CK coverage
        </NavLink>
        <NavLink to="/rules/placeholders" className="tab">
          Placeholders
        </NavLink>
      </nav>
      <Outlet />
    </section>
  );
}

/** The Rules area without rules:read: told, and nothing asked of the API. */
export function RulesRefused({ role }: { role: string }) {
  useDocumentTitle("Rules");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Detection rules</h1>
      </header>
      <AccessDenied area="Rules" role={role} />
    </section>
  );
}
