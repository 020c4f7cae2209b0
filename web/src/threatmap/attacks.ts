// What the threat map may draw. An end is placed only with real
// coordinates from GeoIP: unknown stays unknown, and an attack with no
// located end is counted as "without location", never drawn.

import type { Attack, AttackEndpoint, Severity, TermCount } from "../api/types";
import { queryValue } from "../events/searchState";

/** Whether GeoIP placed this end (the server says so; 0,0 without that word is no place). */
export function isLocated(e: AttackEndpoint | undefined | null): e is AttackEndpoint {
  if (!e) return false;
  if (e.has_location === false) return false;
  if (typeof e.lat !== "number" || typeof e.lon !== "number" || !Number.isFinite(e.lat) || !Number.isFinite(e.lon)) return false;
  if (Math.abs(e.lat) > 90 || Math.abs(e.lon) > 180) return false;
  if (e.has_location === undefined && e.lat === 0 && e.lon === 0) return false;
  return true;
}

/** Whether the map can show anything of `a`. */
export function isDrawable(a: Attack): boolean {
  return isLocated(a.source) || isLocated(a.destination);
}

/** "London, United Kingdom", "United Kingdom", a label such as "private network", or "". */
export function placeOf(e: AttackEndpoint | undefined | null): string {
  if (!e) return "";
  const parts = [e.city_name, e.country_name ?? e.country_iso_code].filter((p): p is string => !!p);
  if (parts.length > 0) return parts.join(", ");
  return e.label ?? "";
}

export function attackKey(a: Attack, i = 0): string {
  return a.event_id ?? `${a.time}|${a.source.ip ?? ""}|${a.destination.ip ?? ""}|${i}`;
}

/** A place on the map with how many attacks came from it, and the worst of them. */
export interface Origin {
  key: string;
  lat: number;
  lon: number;
  count: number;
  worst: Severity;
  /** The first source address seen there. */
  ip: string;
  /** Every source address seen there, in the order seen. */
  ips: string[];
  place: string;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function worse(a: Severity, b: Severity): Severity {
  return (RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a;
}

/** Located sources grouped by place (to a hundredth of a degree). */
export function originsOf(attacks: readonly Attack[]): Origin[] {
  const by = new Map<string, Origin>();
  for (const a of attacks) {
    const s = a.source;
    if (!isLocated(s)) continue;
    const key = `${s.lat.toFixed(2)},${s.lon.toFixed(2)}`;
    const o = by.get(key);
    if (o) {
      o.count++;
      o.worst = worse(o.worst, a.severity_label);
      if (s.ip && !o.ips.includes(s.ip)) o.ips.push(s.ip);
    } else {
      by.set(key, { key, lat: s.lat, lon: s.lon, count: 1, worst: a.severity_label, ip: s.ip ?? "", ips: s.ip ? [s.ip] : [], place: placeOf(s) });
    }
  }
  return [...by.values()];
}

/** `base` with `extra` counts added, largest first. */
export function addCounts(base: readonly TermCount[], extra: ReadonlyMap<string, number>): TermCount[] {
  const m = new Map(base.map((t) => [t.term, t.count]));
  for (const [term, n] of extra) m.set(term, (m.get(term) ?? 0) + n);
  return [...m.entries()].map(([term, count]) => ({ term, count })).sort((a, b) => b.count - a.count || a.term.localeCompare(b.term));
}

/** The search for events from these source addresses: `source.ip:"a"`, or `source.ip:("a" OR "b")`. */
export function sourceQuery(ips: readonly string[]): string {
  const quoted = ips.map((ip) => queryValue(ip));
  if (quoted.length === 1) return `source.ip:${quoted[0]}`;
  return `source.ip:(${quoted.join(" OR ")})`;
}
