// The alert queue's filters, kept in the URL so that a link or a reload
// shows the same queue:
//   status   statuses, comma-separated (new, acknowledged, …)
//   sev      severities, comma-separated (informational … critical)
//   rule     a rule id
//   q        free text
//   range    24h, 7d or 30d; absent: all time — or, instead,
//   from, to an absolute range as RFC 3339 UTC times
//   time     last_seen: the range is on when alerts were last seen;
//            absent: on when they were raised (created)
//   assignee a user id, "me" or "none" (unassigned)
//   group    a work group id
//   verdict  true_positive, benign or false_positive
//   sort     created, first_seen or severity (absent: last seen)
//   trash    1: the deleted alerts (alerts:delete)

import { ALERT_STATUSES, LEVELS, isAlertStatus, isLevel, type AlertStatus, type Level } from "../api/detection";
import { ALERT_SORTS, VERDICTS, type AlertSort, type AlertTimeField, type TriageAlert, type TriageAlertQuery } from "../api/soc";

export const ALERT_PRESETS = [
  { key: "1h", label: "1 h", long: "Last hour", ms: 3600_000 },
  { key: "24h", label: "24 h", long: "Last 24 hours", ms: 86400_000 },
  { key: "7d", label: "7 d", long: "Last 7 days", ms: 7 * 86400_000 },
  { key: "30d", label: "30 d", long: "Last 30 days", ms: 30 * 86400_000 },
] as const;

export type AlertPreset = (typeof ALERT_PRESETS)[number]["key"];

export type AlertRange = { kind: "all" } | { kind: "preset"; preset: AlertPreset } | { kind: "absolute"; from: string; to: string };

export interface AlertFilterState {
  statuses: AlertStatus[];
  severities: Level[];
  rule: string;
  q: string;
  range: AlertRange;
  /** What the range bounds: when raised (the default) or last seen. */
  timeField: AlertTimeField;
  /** A user id, "me" or "none"; empty: anyone. */
  assignee: string;
  group: string;
  verdict: string;
  sort: AlertSort;
  trash: boolean;
}

function validTime(value: string | null): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function list<T extends string>(raw: string | null, all: readonly T[], is: (v: unknown) => v is T): T[] {
  const got = (raw ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(is);
  return all.filter((x) => got.includes(x));
}

export function readAlertFilters(params: URLSearchParams): AlertFilterState {
  const from = validTime(params.get("from"));
  const to = validTime(params.get("to"));
  const preset = ALERT_PRESETS.find((p) => p.key === params.get("range"));
  const range: AlertRange = from && to && from < to ? { kind: "absolute", from, to } : preset ? { kind: "preset", preset: preset.key } : { kind: "all" };
  return {
    statuses: list(params.get("status"), ALERT_STATUSES, isAlertStatus),
    severities: list(params.get("sev"), LEVELS, isLevel),
    rule: params.get("rule")?.trim() ?? "",
    q: params.get("q") ?? "",
    range,
    timeField: params.get("time") === "last_seen" ? "last_seen" : "created",
    assignee: params.get("assignee")?.trim() ?? "",
    group: params.get("group")?.trim() ?? "",
    verdict: (VERDICTS as readonly string[]).includes(params.get("verdict") ?? "") ? (params.get("verdict") as string) : "",
    sort: (ALERT_SORTS as readonly string[]).includes(params.get("sort") ?? "") ? (params.get("sort") as AlertSort) : "last_seen",
    trash: params.get("trash") === "1",
  };
}

export function writeAlertFilters(state: AlertFilterState): URLSearchParams {
  const p = new URLSearchParams();
  if (state.statuses.length > 0) p.set("status", state.statuses.join(","));
  if (state.severities.length > 0) p.set("sev", state.severities.join(","));
  if (state.rule) p.set("rule", state.rule);
  if (state.q.trim()) p.set("q", state.q.trim());
  if (state.range.kind === "preset") p.set("range", state.range.preset);
  if (state.range.kind === "absolute") {
    p.set("from", state.range.from);
    p.set("to", state.range.to);
  }
  if (state.timeField !== "created") p.set("time", state.timeField);
  if (state.assignee) p.set("assignee", state.assignee);
  if (state.group) p.set("group", state.group);
  if (state.verdict) p.set("verdict", state.verdict);
  if (state.sort !== "last_seen") p.set("sort", state.sort);
  if (state.trash) p.set("trash", "1");
  return p;
}

export function isFiltered(state: AlertFilterState): boolean {
  return (
    state.statuses.length > 0 ||
    state.severities.length > 0 ||
    state.rule !== "" ||
    state.q.trim() !== "" ||
    state.range.kind !== "all" ||
    state.assignee !== "" ||
    state.group !== "" ||
    state.verdict !== "" ||
    state.trash
  );
}

/** The range as the API takes it; a preset starts `now` minus its length and has no end. */
export function apiRange(range: AlertRange, now = Date.now()): { from?: string; to?: string } {
  if (range.kind === "all") return {};
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  const p = ALERT_PRESETS.find((x) => x.key === range.preset);
  return { from: new Date(now - (p?.ms ?? 0)).toISOString() };
}

export function alertQuery(state: AlertFilterState, range: { from?: string; to?: string }): TriageAlertQuery {
  const q: TriageAlertQuery = {
    status: state.statuses,
    severity: state.severities,
    rule: state.rule || undefined,
    q: state.q.trim() || undefined,
    ...range,
    limit: 50,
  };
  // The API's range is on last_seen unless told; the queue's is on when raised by default.
  if (state.range.kind !== "all") q.time_field = state.timeField;
  if (state.assignee) q.assignee = state.assignee;
  if (state.group) q.group = state.group;
  if (state.verdict) q.verdict = state.verdict;
  if (state.sort !== "last_seen") q.sort = state.sort;
  if (state.trash) q.deleted = true;
  return q;
}

/**
 * Whether a new alert belongs in the queue as filtered: true or false when
 * the browser can tell, "unknown" when only the server can (free text, a
 * range that ends in the past).
 */
export function matchesFilters(alert: TriageAlert, state: AlertFilterState, meId = ""): boolean | "unknown" {
  if (state.trash) return false;
  if (state.statuses.length > 0 && !state.statuses.includes(alert.status)) return false;
  if (state.assignee === "none" && alert.assignee) return false;
  if (state.assignee && state.assignee !== "none" && alert.assignee !== (state.assignee === "me" ? meId : state.assignee)) return false;
  if (state.group && (alert.assignee_group ?? "") !== state.group) return false;
  if (state.verdict && (alert.verdict ?? "") !== state.verdict) return false;
  if (state.severities.length > 0 && !state.severities.includes(alert.severity)) return false;
  if (state.rule && alert.rule_id !== state.rule) return false;
  if (state.q.trim() !== "" || state.range.kind === "absolute") return "unknown";
  return true;
}
