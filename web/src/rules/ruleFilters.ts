// The Rules list's search, filters and page, kept in the URL so that links
// (e.g. from an ATT&CK coverage cell) and reloads show the same rules:
//   q          free text (title, description, id, tags)
//   status, level, tactic, technique, product, category, service, pack, kind
//   enabled    "true" or "false"
//   runnable   "false": only the rules that cannot run as they are
//   sort       the order (RULE_SORTS); title when absent
//   page       1-based

import { LEVELS, RULE_KINDS, RULE_SORTS, RULE_STATUSES, type RuleQuery, type RuleSort } from "../api/detection";

export const PAGE_SIZE = 50;

/** The facet dimensions offered as filters, in the order shown. */
export const FILTER_KEYS = ["status", "level", "tactic", "product", "category", "service", "pack", "kind", "enabled"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const FILTER_LABELS: Record<FilterKey, string> = {
  status: "Status",
  level: "Level",
  tactic: "Tactic",
  product: "Product",
  category: "Category",
  service: "Service",
  pack: "Pack",
  kind: "Kind",
  enabled: "Enabled",
};

export interface RuleFilterState {
  q: string;
  filters: Partial<Record<FilterKey, string>>;
  technique: string;
  /** Only the rules that cannot run (a placeholder without values…). */
  notRunnable: boolean;
  /** The order; "title" is the default. */
  sort: RuleSort;
  page: number;
}

export function readRuleFilters(params: URLSearchParams): RuleFilterState {
  const filters: Partial<Record<FilterKey, string>> = {};
  for (const key of FILTER_KEYS) {
    const v = params.get(key)?.trim();
    if (v) filters[key] = v;
  }
  if (filters.enabled && filters.enabled !== "true" && filters.enabled !== "false") delete filters.enabled;
  const page = Number.parseInt(params.get("page") ?? "1", 10);
  const sort = RULE_SORTS.find(([v]) => v === params.get("sort"))?.[0] ?? "title";
  return {
    q: params.get("q") ?? "",
    filters,
    technique: params.get("technique")?.trim().toUpperCase() ?? "",
    notRunnable: params.get("runnable") === "false",
    sort,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function writeRuleFilters(state: RuleFilterState): URLSearchParams {
  const p = new URLSearchParams();
  if (state.q.trim()) p.set("q", state.q.trim());
  for (const key of FILTER_KEYS) {
    const v = state.filters[key];
    if (v) p.set(key, v);
  }
  if (state.technique) p.set("technique", state.technique);
  if (state.notRunnable) p.set("runnable", "false");
  if (state.sort !== "title") p.set("sort", state.sort);
  if (state.page > 1) p.set("page", String(state.page));
  return p;
}

export function isFiltered(state: RuleFilterState): boolean {
  return state.q.trim() !== "" || state.technique !== "" || state.notRunnable || Object.keys(state.filters).length > 0;
}

export function ruleQuery(state: RuleFilterState): RuleQuery {
  const f = state.filters;
  return {
    q: state.q.trim() || undefined,
    status: f.status,
    level: f.level,
    tactic: f.tactic,
    technique: state.technique || undefined,
    product: f.product,
    category: f.category,
    service: f.service,
    pack: f.pack,
    kind: f.kind,
    enabled: f.enabled === "true" || f.enabled === "false" ? f.enabled : undefined,
    runnable: state.notRunnable ? "false" : undefined,
    sort: state.sort,
    limit: PAGE_SIZE,
    offset: (state.page - 1) * PAGE_SIZE,
  };
}

const ORDER: Partial<Record<FilterKey, readonly string[]>> = { level: LEVELS, status: RULE_STATUSES, kind: RULE_KINDS, enabled: ["true", "false"] };

/** A facet's values in a sensible order: levels and statuses in theirs, the rest by count then name. */
export function facetValues(key: FilterKey, counts: Record<string, number> | undefined, current: string | undefined): Array<{ value: string; count: number | undefined }> {
  const entries = Object.entries(counts ?? {});
  const order = ORDER[key];
  if (order) entries.sort((a, b) => rank(order, a[0]) - rank(order, b[0]));
  else entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const out: Array<{ value: string; count: number | undefined }> = entries.map(([value, count]) => ({ value, count }));
  // A value in the URL that the facets do not list (nothing matches it) stays choosable.
  if (current && !out.some((o) => o.value === current)) out.unshift({ value: current, count: undefined });
  return out;
}

function rank(order: readonly string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

/** How a facet value reads: "credential-access" → "Credential access", "true" → "Enabled". */
export function facetLabel(key: FilterKey, value: string): string {
  if (key === "enabled") return value === "true" ? "Enabled" : "Disabled";
  if (key === "tactic") {
    const words = value.replace(/[-_]/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  if (key === "level" || key === "status" || key === "kind") return value.charAt(0).toUpperCase() + value.slice(1);
  return value;
}

/** An ATT&CK technique the Technique filter offers. */
export interface TechniqueOption {
  id: string;
  name: string;
}

const TECHNIQUE_ID = /^(t\d{4}(?:\.\d{3})?)(?![\d.])/i;

/**
 * What the Technique filter's text names: an ID (T1003, t1003.001, or an
 * ID followed by its name, as the list shows it) as it is; otherwise the
 * one technique of `known` with that name, or whose name contains the
 * text. Empty is no filter. The server checks IDs against ATT&CK.
 */
export function resolveTechnique(text: string, known: readonly TechniqueOption[]): { id: string } | { error: string } {
  const t = text.trim();
  if (t === "") return { id: "" };
  const m = TECHNIQUE_ID.exec(t);
  if (m?.[1]) return { id: m[1].toUpperCase() };
  const lower = t.toLowerCase();
  const exact = known.filter((k) => k.name.toLowerCase() === lower);
  if (exact.length === 1 && exact[0]) return { id: exact[0].id };
  const partial = exact.length > 1 ? exact : known.filter((k) => k.name.toLowerCase().includes(lower));
  if (partial.length === 1 && partial[0]) return { id: partial[0].id };
  if (partial.length > 1) return { error: `${partial.length} techniques match “${t}”: pick one from the list, or type its ID.` };
  return { error: `No ATT&CK technique is named “${t}”: type an ID such as T1003 or T1003.001, or a technique's name.` };
}
