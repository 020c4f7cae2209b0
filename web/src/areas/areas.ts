// Every area of the product, in navigation order. An area that is not built
// yet (it has `notBuilt`) says so plainly: no sample data, no placeholder numbers.

export interface Area {
  path: string;
  title: string;
  section: string;
  /** One plain sentence shown while the area is not built yet. */
  notBuilt?: string;
}

export const AREAS: readonly Area[] = [
  {
    path: "/",
    title: "Dashboard",
    section: "Operations",
  },
  {
    path: "/events",
    title: "Events",
    section: "Operations",
  },
  {
    path: "/hunting",
    title: "Hunting",
    section: "Operations",
  },
  {
    path: "/alerts",
    title: "Alerts",
    section: "Operations",
  },
  {
    path: "/incidents",
    title: "Incidents",
    section: "Operations",
  },
  {
    path: "/rules",
    title: "Rules",
    section: "Operations",
  },
  {
    path: "/endpoints",
    title: "Endpoints",
    section: "Assets",
  },
  {
    path: "/vulnerabilities",
    title: "Vulnerabilities",
    section: "Assets",
  },
  {
    path: "/threat-intel",
    title: "Threat Intel",
    section: "Intelligence",
  },
  {
    path: "/email",
    title: "E-mail",
    section: "Intelligence",
  },
  {
    path: "/sandbox",
    title: "Sandbox",
    section: "Intelligence",
  },
  {
    path: "/compliance",
    title: "Compliance",
    section: "Intelligence",
  },
  {
    path: "/threat-map",
    title: "Threat Map",
    section: "Intelligence",
  },
  {
    path: "/war-room",
    title: "War Room",
    section: "Team",
  },
  {
    path: "/workplans",
    title: "Workplans",
    section: "Team",
  },
  {
    path: "/handovers",
    title: "Handovers",
    section: "Team",
  },
  {
    path: "/soc-metrics",
    title: "SOC Metrics",
    section: "Team",
  },
];

/** Administration closes the navigation; shown only to those who may administer something (admin/access.ts). */
export const ADMIN_AREA: Area = { path: "/admin", title: "Administration", section: "Settings" };
