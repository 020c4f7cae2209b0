import { NavLink } from "react-router";
import { ADMIN_AREA, AREAS, type Area } from "../areas/areas";
import type { Me } from "../api/types";
import { canAdminister } from "../admin/access";

/** The sidebar: every area in order; Administration only for those with something to administer. */
export function Navigation({ me }: { me: Me }) {
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
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
