// The SOC team's pages, each loaded when first opened (they would otherwise
// all weigh on the first load of the app): the routes use these.

import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";

function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K, what: string) {
  const Lazy: LazyExoticComponent<ComponentType> = lazy(() => load().then((m) => ({ default: m[name] })));
  return function SocRoute() {
    return (
      <Suspense
        fallback={
          <div className="page-center" role="status">
            Loading {what}…
          </div>
        }
      >
        <Lazy />
      </Suspense>
    );
  };
}

export const IncidentsRoute = page(() => import("./IncidentsPage"), "IncidentsPage", "Incidents");
export const IncidentDetailRoute = page(() => import("./IncidentDetailPage"), "IncidentDetailPage", "the incident");
export const PlaybooksRoute = page(() => import("../playbooks/PlaybooksPage"), "PlaybooksPage", "the playbooks");
export const WarRoomRoute = page(() => import("../warroom/WarRoomPage"), "WarRoomPage", "the War Room");
export const WorkplansRoute = page(() => import("../workplans/WorkplansPage"), "WorkplansPage", "Workplans");
export const HandoversRoute = page(() => import("../handovers/HandoversPage"), "HandoversPage", "Handovers");
export const SocMetricsRoute = page(() => import("../metrics/SocMetricsPage"), "SocMetricsPage", "SOC Metrics");
export const NotificationsRoute = page(() => import("../notifications/NotificationsPage"), "NotificationsPage", "Notifications");
