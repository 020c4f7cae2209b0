import { memo, useMemo, type MouseEvent, type ReactNode } from "react";
import { useNavigate } from "react-router";
import type { Attack } from "../api/types";
import { SEVERITY_LABELS } from "../api/types";
import { isLocated, originsOf, placeOf, type Origin } from "./attacks";
import { MAP_HEIGHT, MAP_WIDTH, arcPath, project, worldPaths } from "./geo";

export interface LiveArc {
  key: string;
  attack: Attack;
  /** When it arrived (ms since the epoch): it fades after that. */
  at: number;
}

interface Props {
  /** The attacks of the first paint: their sources as dots sized by count. */
  history: readonly Attack[];
  /** Recent live attacks, drawn as arcs that fade. */
  arcs: readonly LiveArc[];
  /** Where a source's mark leads (its events); without it the marks are not links. */
  originHref?: (origin: Origin) => string;
  children?: ReactNode;
}

export function WorldMap({ history, arcs, originHref, children }: Props) {
  const world = worldPaths();
  return (
    <div className="map-frame">
      <svg className="world-map" viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`} role="group" aria-label="World map of attack sources" preserveAspectRatio="xMidYMid meet">
        <path className="map-sphere" d={world.sphere} />
        <path className="map-graticule" d={world.graticule} />
        <path className="map-land" d={world.land} />
        <path className="map-borders" d={world.borders} />
        <Origins attacks={history} href={originHref} />
        <g className="live-arcs">
          {arcs.map((a) => (
            <ArcMark key={a.key} arc={a} />
          ))}
        </g>
      </svg>
      {children}
    </div>
  );
}

const Origins = memo(function Origins({ attacks, href }: { attacks: readonly Attack[]; href?: (origin: Origin) => string }) {
  const origins = useMemo(() => originsOf(attacks), [attacks]);
  const max = origins.reduce((m, o) => Math.max(m, o.count), 1);
  return (
    <g className="origins">
      {origins.map((o) => (
        <OriginMark key={o.key} origin={o} max={max} href={href?.(o)} />
      ))}
    </g>
  );
});

function OriginMark({ origin, max, href }: { origin: Origin; max: number; href?: string }) {
  const navigate = useNavigate();
  const p = project(origin.lon, origin.lat);
  if (!p) return null;
  const r = 3 + 7 * Math.sqrt(origin.count / max);
  const label = `Attack source ${origin.ip}${origin.place ? ` (${origin.place})` : ""}: ${origin.count} attack${origin.count === 1 ? "" : "s"}, worst ${SEVERITY_LABELS[origin.worst] ?? origin.worst}`;
  const mark = (
    <g className={`origin sev-${origin.worst}`} role="img" aria-label={label}>
      <title>{label}</title>
      <circle cx={p[0]} cy={p[1]} r={r} className="origin-halo" />
      <circle cx={p[0]} cy={p[1]} r={2.2} className="origin-dot" />
    </g>
  );
  if (!href) return mark;
  const ips = origin.ips.length > 1 ? `${origin.ips.length} addresses from ${origin.place || origin.ip}` : origin.ip;
  // An SVG link (focusable, Enter follows it), routed in the app as a
  // Link would be; a click with a modifier opens a new tab as usual.
  const follow = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} className="origin-link" aria-label={`Events from ${ips}`} onClick={follow}>
      {mark}
    </a>
  );
}

const ArcMark = memo(function ArcMark({ arc }: { arc: LiveArc }) {
  const { attack } = arc;
  const src = isLocated(attack.source) ? project(attack.source.lon, attack.source.lat) : null;
  const dst = isLocated(attack.destination) ? project(attack.destination.lon, attack.destination.lat) : null;
  if (!src && !dst) return null;
  const from = `${attack.source.ip ?? "unknown"}${placeOf(attack.source) ? ` (${placeOf(attack.source)})` : ""}`;
  const to = attack.destination.ip || placeOf(attack.destination) ? `${attack.destination.ip ?? ""}${placeOf(attack.destination) ? ` (${placeOf(attack.destination)})` : ""}`.trim() : "an unknown destination";
  const label = `Live attack from ${from} to ${to}, ${SEVERITY_LABELS[attack.severity_label] ?? attack.severity_label}`;
  return (
    <g className={`live-arc sev-${attack.severity_label}`} role="img" aria-label={label}>
      <title>{label}</title>
      {src && dst ? <path className="arc-path" d={arcPath(src, dst)} pathLength={1} /> : null}
      {src ? (
        <>
          <circle className="arc-pulse" cx={src[0]} cy={src[1]} r={4} />
          <circle className="arc-source" cx={src[0]} cy={src[1]} r={3} />
        </>
      ) : null}
      {dst ? <circle className="arc-target" cx={dst[0]} cy={dst[1]} r={3.5} /> : null}
    </g>
  );
});
