import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate } from "react-router";
import { api } from "../api/client";
import { roleLabel } from "../api/types";
import { useCurrentUser } from "../app/session";
import { ThemeToggle } from "../theme/theme";
import { Navigation } from "./Navigation";

/** Header, sidebar and the current page. */
export function AppShell() {
  const me = useCurrentUser();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="EventSec home">
          <span className="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2.2">
              <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3z" />
              <path d="M8.5 12.5 11 15l4.5-5" />
            </svg>
          </span>
          <span className="brand-name">EventSec</span>
        </Link>
        <div className="topbar-spacer" />
        <div className="topbar-user">
          <span className="user-name">{me.name || me.email}</span>
          <span className="role-badge">{roleLabel(me.role)}</span>
        </div>
        <Link to="/profile" className="btn btn-ghost">
          Profile
        </Link>
        <ThemeToggle />
        <LogoutButton />
      </header>
      <div className="shell-body">
        <Navigation me={me} />
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}

function LogoutButton() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: () => api.logout(),
    // Whatever the server said, this browser is done with the session.
    onSettled: () => {
      queryClient.clear();
      navigate("/login", { replace: true });
    },
  });
  return (
    <button type="button" className="btn btn-ghost" onClick={() => logout.mutate()} disabled={logout.isPending}>
      Log out
    </button>
  );
}
