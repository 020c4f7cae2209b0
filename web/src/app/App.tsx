import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { ApiKeysPage } from "../admin/ApiKeysPage";
import { AdminIndex, AdminLayout, AdminTabGuard } from "../admin/AdminLayout";
import { AuditPage } from "../admin/AuditPage";
import { GroupsPage } from "../admin/GroupsPage";
import { OrgsPage } from "../admin/OrgsPage";
import { SettingsPage } from "../admin/SettingsPage";
import { UsersPage } from "../admin/UsersPage";
import { api, isApiError } from "../api/client";
import { AlertDetailPage } from "../alerts/AlertDetailPage";
import { AlertsPage } from "../alerts/AlertsPage";
import { AREAS } from "../areas/areas";
import { NotBuiltPage } from "../areas/NotBuiltPage";
import { DashboardPage } from "../dashboard/DashboardPage";
import { EndpointDetailPage } from "../endpoints/EndpointDetailPage";
import { EndpointsPage } from "../endpoints/EndpointsPage";
import { VulnerabilitiesPage } from "../vulnerabilities/VulnerabilitiesPage";
import { CompliancePage } from "../compliance/CompliancePage";
import { EventsPage } from "../events/EventsPage";
import { LoginPage } from "../login/LoginPage";
import { ProfilePage } from "../profile/ProfilePage";
import { CoveragePage } from "../rules/CoveragePage";
import { PlaceholdersPage } from "../rules/PlaceholdersPage";
import { RulesLayout } from "../rules/RulesLayout";
import { RulesListPage } from "../rules/RulesListPage";
import { AppShell } from "../shell/AppShell";
import { NotFoundPage } from "../shell/NotFoundPage";
import { RequireSession } from "./session";
import {
  HandoversRoute,
  IncidentDetailRoute,
  IncidentsRoute,
  NotificationsRoute,
  PlaybooksRoute,
  SocMetricsRoute,
  WarRoomRoute,
  WorkplansRoute,
} from "../incidents/socRoutes";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Permission and auth answers do not get better by asking again.
        retry: (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

// Each Administration tab (see admin/access.ts for who may open which).
const ADMIN_PAGES: ReadonlyArray<[string, ReactNode]> = [
  ["users", <UsersPage />],
  ["groups", <GroupsPage />],
  ["api-keys", <ApiKeysPage />],
  ["audit", <AuditPage />],
  ["orgs", <OrgsPage />],
  ["settings", <SettingsPage />],
  ["notifications", <NotificationsRoute />],
];

// The map (d3-geo and the world's TopoJSON) loads only when it is opened.
const ThreatMapPage = lazy(() => import("../threatmap/ThreatMapPage"));

// The rule editor brings CodeMirror: loaded when a rule is opened.
const RuleEditorPage = lazy(() => import("../rules/RuleEditorPage"));

// The sandbox report view is large: loaded when the Sandbox is opened.
const SandboxPage = lazy(() => import("../sandbox/SandboxPage"));

// Hunting brings CodeMirror and the KQL editor: loaded when it is opened.
const HuntingPage = lazy(() => import("../hunting/HuntingPage"));

// Threat Intel: loaded when it is opened.
const IntelPage = lazy(() => import("../intel/IntelPage"));

// E-mail analysis: loaded when it is opened.
const EmailPage = lazy(() => import("../email/EmailPage"));

const ruleEditor = (
  <Suspense
    fallback={
      <div className="page-center" role="status">
        Loading the rule editor…
      </div>
    }
  >
    <RuleEditorPage />
  </Suspense>
);

// The areas that are built; the others say they are not built yet. Areas
// with pages below them (Rules, Alerts) have their routes in AppRoutes.
const AREA_PAGES: Readonly<Record<string, ReactNode>> = {
  "/": <DashboardPage />,
  "/events": <EventsPage />,
  "/alerts": <AlertsPage />,
  "/endpoints": <EndpointsPage />,
  "/vulnerabilities": <VulnerabilitiesPage />,
  "/compliance": <CompliancePage />,
  "/incidents": <IncidentsRoute />,
  "/war-room": <WarRoomRoute />,
  "/workplans": <WorkplansRoute />,
  "/handovers": <HandoversRoute />,
  "/soc-metrics": <SocMetricsRoute />,
  "/hunting": (
    <Suspense
      fallback={
        <div className="page-center" role="status">
          Loading Hunting…
        </div>
      }
    >
      <HuntingPage />
    </Suspense>
  ),
  "/threat-intel": (
    <Suspense
      fallback={
        <div className="page-center" role="status">
          Loading Threat Intel…
        </div>
      }
    >
      <IntelPage />
    </Suspense>
  ),
  "/email": (
    <Suspense
      fallback={
        <div className="page-center" role="status">
          Loading E-mail analysis…
        </div>
      }
    >
      <EmailPage />
    </Suspense>
  ),
  "/sandbox": (
    <Suspense
      fallback={
        <div className="page-center" role="status">
          Loading the Sandbox…
        </div>
      }
    >
      <SandboxPage />
    </Suspense>
  ),
  "/threat-map": (
    <Suspense
      fallback={
        <div className="page-center" role="status">
          Loading the Threat Map…
        </div>
      }
    >
      <ThreatMapPage />
    </Suspense>
  ),
};

/** The routes, without router or query providers (tests bring their own). */
export function AppRoutes() {
  useSessionLostRedirect();
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <AppShell />
          </RequireSession>
        }
      >
        {AREAS.filter((area) => area.path !== "/rules").map((area) => (
          <Route key={area.path} path={area.path} element={AREA_PAGES[area.path] ?? <NotBuiltPage area={area} />} />
        ))}
        <Route path="/alerts/:id" element={<AlertDetailPage />} />
        <Route path="/endpoints/:id" element={<EndpointDetailPage />} />
        <Route path="/incidents/playbooks" element={<PlaybooksRoute />} />
        <Route path="/incidents/:id" element={<IncidentDetailRoute />} />
        <Route path="/rules" element={<RulesLayout />}>
          <Route index element={<RulesListPage />} />
          <Route path="coverage" element={<CoveragePage />} />
          <Route path="placeholders" element={<PlaceholdersPage />} />
        </Route>
        <Route path="/rules/new" element={ruleEditor} />
        <Route path="/rules/:id" element={ruleEditor} />
        <Route path="/advanced-search" element={<AdvancedSearchRedirect />} />
        {/* The dashboard lives at "/"; the address people type for it goes there. */}
        <Route path="/dashboard" element={<Navigate to="/" replace />} />
        <Route path="/profile" element={<ProfilePage />} />
        <Route path="/admin" element={<AdminLayout />}>
          <Route index element={<AdminIndex />} />
          {ADMIN_PAGES.map(([path, page]) => (
            <Route key={path} path={path} element={<AdminTabGuard path={path}>{page}</AdminTabGuard>} />
          ))}
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The seed's KQL workbench path: Hunting, with the same query string. */
function AdvancedSearchRedirect() {
  const { search } = useLocation();
  return <Navigate to={{ pathname: "/hunting", search }} replace />;
}

/** When refreshing the session fails, go to the login page and forget cached data. */
function useSessionLostRedirect() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = location.pathname + location.search;
  useEffect(() => {
    api.setSessionLostHandler(() => {
      if (here.startsWith("/login")) return;
      client.clear();
      navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    });
  }, [client, navigate, here]);
}

export function App({ client }: { client: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
