// The signed-in user, loaded once by RequireSession and read by every screen
// inside the app shell.

import { createContext, useContext, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { isApiError } from "../api/client";
import { useMe } from "../api/queries";
import type { Me } from "../api/types";
import { ErrorMessage } from "../ui/ErrorMessage";

const MeContext = createContext<Me | null>(null);

export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/** The signed-in user; only valid below RequireSession. */
export function useCurrentUser(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useCurrentUser used outside RequireSession");
  return me;
}

export function hasPermission(me: Me, permission: string): boolean {
  return me.permissions.includes(permission);
}

export function RequireSession({ children }: { children: ReactNode }) {
  const location = useLocation();
  const me = useMe();
  if (me.isPending) {
    return (
      <div className="page-center" role="status">
        Loading EventSec…
      </div>
    );
  }
  if (me.isError) {
    if (isApiError(me.error) && me.error.status === 401) {
      const next = location.pathname + location.search;
      return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return (
      <div className="page-center">
        <ErrorMessage error={me.error} />
      </div>
    );
  }
  return <MeProvider me={me.data}>{children}</MeProvider>;
}
