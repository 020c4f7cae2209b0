// The world map: Natural Earth 1:110m countries from the world-atlas
// package (TopoJSON, bundled into this lazily loaded chunk: nothing is
// fetched from elsewhere), projected once with d3-geo.

import { geoGraticule10, geoNaturalEarth1, geoPath } from "d3-geo";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countries110m from "world-atlas/countries-110m.json";

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 500;

const projection = geoNaturalEarth1().fitExtent(
  [
    [6, 6],
    [MAP_WIDTH - 6, MAP_HEIGHT - 6],
  ],
  { type: "Sphere" },
);

export interface WorldPaths {
  sphere: string;
  graticule: string;
  land: string;
  borders: string;
}

let paths: WorldPaths | null = null;

/** SVG path data of the world, computed on first use and kept. */
export function worldPaths(): WorldPaths {
  if (paths) return paths;
  const topo = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
  const path = geoPath(projection);
  paths = {
    sphere: path({ type: "Sphere" }) ?? "",
    graticule: path(geoGraticule10()) ?? "",
    land: path(feature(topo, topo.objects.countries)) ?? "",
    borders: path(mesh(topo, topo.objects.countries, (a, b) => a !== b)) ?? "",
  };
  return paths;
}

/** Map coordinates of a longitude/latitude, or null when it cannot be drawn. */
export function project(lon: number, lat: number): [number, number] | null {
  const p = projection([lon, lat]);
  if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return null;
  return [p[0], p[1]];
}

/** An arc from a to b, bowed to the left of the way it goes, as SVG path data. */
export function arcPath(a: [number, number], b: [number, number]): string {
  const [x0, y0] = a;
  const [x1, y1] = b;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const dist = Math.hypot(dx, dy);
  const bow = Math.min(120, dist * 0.3);
  const mx = (x0 + x1) / 2 + (dist > 0 ? (dy / dist) * bow : 0);
  const my = (y0 + y1) / 2 - (dist > 0 ? (Math.abs(dx) / dist) * bow : 0);
  return `M${x0.toFixed(1)},${y0.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`;
}
