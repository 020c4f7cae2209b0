import { NavLink } from "react-router";
import { ADMIN_AREA, AREAS, type Area } from "../areas/areas";
import { useAlertStats } from "../api/detection";
import type { Me } from "../api/types";
import { canAdminister } from "../admin/access";
import { hasPermission } from "../app/session";
import "./navigation.css";

/** The sidebar: every area in order; Administration only for those with something to administer. */
export function Navigation({ me }: { me: Me }) {
  const readsAlerts = hasPermission(me, "alerts:read");
  // Open alerts, counted beside Alerts wherever one is in the app.
  const alertStats = useAlertStats({}, 30_000, readsAlerts);
  const open = readsAlerts && typeof alertStats.data?.open === "number" ? alertStats.data.open : 0;
  const areas: Area[] = [...AREAS];
  if (canAdminister(me)) areas.push(ADMIN_AREA);

  const sections: Array<{ name: string; areas: Area[] }> = [];
  for (const area of areas) {
    const last = sections[sections.length - 1];
    if (last && last.name === area.section) last.areas.push(area);
    else sections.push({ name: area.section, areas: [area] });
  }

  return (
    <nav className="sidebar" aria-label="Main">
      {sections.map((section) => (
        <div className="nav-section" key={section.name}>
          <div className="nav-section-title" aria-hidden="true">
            {section.name}
          </div>
          <ul>
            {section.areas.map((area) => (
              <li key={area.path}>
                <NavLink to={area.path} end={area.path === "/"} className="nav-link">
                  {area.title}
                  {area.path === "/alerts" && open > 0 ? (
                    <span className="nav-count" title={`${open.toLocaleString()} open alert${open === 1 ? "" : "s"}`}>
                      {open > 999 ? "999+" : open.toLocaleString()}
                      <span className="sr-only"> open</span>
                    </span>
                  ) : null}
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
