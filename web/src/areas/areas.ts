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
    notBuilt: "Incidents is not built yet: it arrives with alert correlation and case management.",
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
    notBuilt: "Endpoints is not built yet: it arrives with the endpoint agent.",
  },
  {
    path: "/vulnerabilities",
    title: "Vulnerabilities",
    section: "Assets",
    notBuilt: "Vulnerabilities is not built yet: it arrives with software inventory and OSV matching.",
  },
  {
    path: "/threat-intel",
    title: "Threat Intel",
    section: "Intelligence",
    notBuilt: "Threat Intel is not built yet: it arrives with STIX and MISP feeds.",
  },
  {
    path: "/sandbox",
    title: "Sandbox",
    section: "Intelligence",
    notBuilt: "Sandbox is not built yet: it arrives with local static analysis and YARA scanning.",
  },
  {
    path: "/compliance",
    title: "Compliance",
    section: "Intelligence",
    notBuilt: "Compliance is not built yet: it arrives with endpoint configuration checks.",
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
    notBuilt: "War Room is not built yet: it arrives with incident notes and collaboration.",
  },
  {
    path: "/workplans",
    title: "Workplans",
    section: "Team",
    notBuilt: "Workplans is not built yet: it arrives with task assignment for incidents.",
  },
  {
    path: "/handovers",
    title: "Handovers",
    section: "Team",
    notBuilt: "Handovers is not built yet: it arrives with shift handover reports.",
  },
];

/** Administration closes the navigation; shown only to those who may administer something (admin/access.ts). */
export const ADMIN_AREA: Area = { path: "/admin", title: "Administration", section: "Settings" };
