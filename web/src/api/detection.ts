// Detection rules and alerts: the types of the API's rules and alerts
// endpoints (docs/api.md "Detection"), the calls through the one API client,
// and the TanStack Query hooks the Rules and Alerts pages share.

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "./client";
import type { SecurityEvent } from "./types";

// --- Rules ---

/** Sigma levels, least to most severe; alerts take their severity from them. */
export const LEVELS = ["informational", "low", "medium", "high", "critical"] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_LABELS: Record<Level, string> = {
  informational: "Informational",
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

export const RULE_STATUSES = ["stable", "test", "experimental", "deprecated", "unsupported"] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number] | "";

export const RULE_FORMATS = ["sigma", "json"] as const;
export type RuleFormat = (typeof RULE_FORMATS)[number];

export const RULE_KINDS = ["detection", "correlation", "threshold", "filter", "scheduled"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface AttackTactic {
  id: string;
  name: string;
  shortname: string;
  /** The retired shortname the rule is tagged with (defense-evasion), when this tactic stands for it. */
  replaces?: string;
}

export interface AttackTechnique {
  id: string;
  name: string;
  /** The revoked ID the rule is tagged with, when this technique replaced it. */
  replaces?: string;
  /** "deprecated": withdrawn by ATT&CK without a replacement. */
  status?: string;
}

export interface RuleAttack {
  tactics: AttackTactic[];
  techniques: AttackTechnique[];
}

export interface Logsource {
  product: string;
  category: string;
  service: string;
}

export interface RuleStats {
  matches: number;
  alerts: number;
  /** The rule's own average evaluation time per event of the org, measured on sampled events; 0 before the first sample. */
  eval_ns_per_event: number;
  /** How many sampled events the average is over. */
  eval_samples: number;
  last_match_at: string | null;
}

/** "410 ns" or "12.3 µs" for a sampled per-event time in nanoseconds; "" when nothing was sampled yet. */
export function formatEvalTime(stats: Pick<RuleStats, "eval_ns_per_event" | "eval_samples">): string {
  const ns = stats.eval_ns_per_event;
  // Nothing sampled yet, or no sampled event the rule could apply to: no
  // measurement, which "0 ns" would read as ("" is shown as a dash, with
  // evalTimeTitle saying which).
  if (!stats.eval_samples || !ns) return "";
  // Below a microsecond the figure reads in nanoseconds: most rules cost a
  // few hundred, and "0.00 µs" would hide the difference between them.
  if (ns < 1) return "<1 ns";
  if (ns < 1000) return `${Math.round(ns)} ns`;
  const us = ns / 1000;
  return `${us < 10 ? us.toFixed(2) : us < 100 ? us.toFixed(1) : Math.round(us).toLocaleString()} µs`;
}

/** What a rule's sampled evaluation time is over, for a tooltip. */
export function evalTimeTitle(stats: Pick<RuleStats, "eval_ns_per_event" | "eval_samples">): string {
  if (!stats.eval_samples) return "not sampled yet";
  const n = stats.eval_samples.toLocaleString();
  if (!stats.eval_ns_per_event) return `not measured: none of the ${n} sampled events was one it could apply to (its log source or the prefilter ruled each out)`;
  return `over ${n} sampled events`;
}

export const EXCEPTION_OPERATORS = ["equals", "not_equals", "in", "not_in", "contains", "startswith", "endswith", "wildcard", "regex", "cidr", "exists", "not_exists"] as const;
export type ExceptionOperator = (typeof EXCEPTION_OPERATORS)[number];

/** The operators that compare with a list (`values`). */
export const LIST_OPERATORS: readonly ExceptionOperator[] = ["in", "not_in"];
/** The operators that take no value. */
export const NO_VALUE_OPERATORS: readonly ExceptionOperator[] = ["exists", "not_exists"];
/** How many conditions one exception may have. */
export const MAX_EXCEPTION_CONDITIONS = 20;

/** One test of an exception: `value` for most operators, `values` for in / not_in, neither for exists / not_exists. */
export interface ExceptionCondition {
  field: string;
  operator: ExceptionOperator;
  value?: string;
  values?: string[];
}

/** An exception: events for which every condition holds do not raise alerts for the rule. */
export interface RuleException {
  id: string;
  rule_id: string;
  conditions: ExceptionCondition[];
  /** The condition of an exception with exactly one, as the single-condition API had it. */
  field?: string;
  operator?: ExceptionOperator;
  value?: string;
  values?: string[];
  reason: string;
  /** The user who added it (apikey:ID for an API key, system for EventSec itself). */
  owner: string;
  owner_email: string;
  /** Who the owner is to a person: a display name, "API key NAME" or "EventSec (system)"; empty when the owner is gone. Absent from older servers. */
  owner_name?: string;
  expires_at: string | null;
  created_at: string;
  expired: boolean;
}

export interface ExceptionCreate {
  conditions: ExceptionCondition[];
  reason: string;
  expires_at?: string;
}

/** POST /exceptions answers the exception and, when a field looks misspelt, warnings. */
export interface ExceptionCreated extends RuleException {
  warnings?: string[];
}

/** An exception's conditions, whether the server sent them as a list or (older servers) as one at the top level. */
export function exceptionConditions(x: Pick<RuleException, "conditions" | "field" | "operator" | "value" | "values">): ExceptionCondition[] {
  if (x.conditions && x.conditions.length > 0) return x.conditions;
  if (x.field) return [{ field: x.field, operator: x.operator ?? "equals", ...(x.value !== undefined ? { value: x.value } : {}), ...(x.values ? { values: x.values } : {}) }];
  return [];
}

/** A rule as the list shows it (no source, no exceptions). */
export interface RuleSummary {
  id: string;
  title: string;
  description: string;
  author: string;
  format: RuleFormat;
  kind: RuleKind;
  status: RuleStatus;
  level: Level;
  severity_override: Level | "";
  /** Event fields whose values key the rule's alerts; [] for the default (host, user and source address). */
  alert_group_by: string[];
  /** How far apart in event time repeats fold into one alert; 0 for the default (24 hours). */
  alert_window_minutes: number;
  enabled: boolean;
  pack: string;
  /** Where an import last took the rule from (ARCHIVE:FILE); empty for a rule written in EventSec. Absent from older servers. */
  imported_from?: string;
  logsource: Logsource;
  tags: string[];
  attack: RuleAttack;
  references: string[];
  falsepositives: string[];
  created_at: string;
  updated_at: string;
  created_by: string;
  stats: RuleStats;
  /** False when the rule cannot run in this org as it is; `problem` says why. */
  runnable: boolean;
  problem?: string;
  /** Correlations of the org's other enabled rules that count one of this rule's documents (older servers: absent). */
  feeds?: RuleFeed[];
}

/** A correlation that counts a document's matches. */
export interface RuleFeed {
  /** The counted document (of the rule the feed is listed under) and its title. */
  document: string;
  document_title: string;
  /** The rule (file) that holds the correlation, and the correlation document. */
  rule_id: string;
  rule_title: string;
  correlation_id: string;
  correlation_title: string;
  generate: boolean;
  /** The counted document raises no alert of its own: no correlation that counts it sets generate: true. */
  silenced: boolean;
}

/** One document of a rule's file (a Sigma file may hold base rules, correlations and filters). */
export interface RuleDocument {
  id: string;
  name?: string;
  title: string;
  kind: string;
  level: Level;
  tags: string[];
  /** Its own matches (a correlation's results) raise alerts. */
  alerting: boolean;
  feeds: RuleFeed[];
}

/** GET /api/v1/rules/{id}: the rule with its source and exceptions. */
export interface Rule extends RuleSummary {
  source: string;
  exceptions?: RuleException[];
  documents?: RuleDocument[];
  /** Set when the rule was asked for by the id of one of its documents that is not its own. */
  document?: string;
}

/** Counts of rules per value of a filter dimension (level, status, pack, product, tactic, …). */
export type RuleFacets = Partial<Record<string, Record<string, number>>>;

export interface RuleList {
  rules: RuleSummary[];
  total: number;
  facets: RuleFacets;
}

export interface RuleQuery {
  q?: string;
  status?: string;
  level?: string;
  tactic?: string;
  technique?: string;
  product?: string;
  category?: string;
  service?: string;
  pack?: string;
  kind?: string;
  enabled?: "true" | "false" | "";
  /** "false": only the rules that cannot run (e.g. a placeholder without values). */
  runnable?: "true" | "false" | "";
  /** The list's order: title by default; the others most first. */
  sort?: RuleSort;
  limit?: number;
  offset?: number;
}

/** The orders of the rules list, as the server names them, with how each reads. */
export const RULE_SORTS = [
  ["title", "Title, A to Z"],
  ["level", "Level"],
  ["matches", "Most matches"],
  ["alerts", "Most alerts"],
  ["eval_time", "Slowest"],
  ["last_match", "Latest match"],
  ["updated", "Latest change"],
] as const;
export type RuleSort = (typeof RULE_SORTS)[number][0];

export interface RuleCreate {
  format: RuleFormat;
  source: string;
  enabled: boolean;
}

export interface RuleUpdate {
  source: string;
  format?: RuleFormat;
}

export interface RulePatch {
  enabled?: boolean;
  severity_override?: Level | "";
  alert_group_by?: string[];
  alert_window_minutes?: number;
}

/** One problem of a rule's source, at a 1-based line and column (0 when unknown). */
export interface RuleProblem {
  line: number;
  column: number;
  message: string;
}

export interface Validation {
  valid: boolean;
  errors: RuleProblem[];
  /** What does not stop saving the rule but running it (a placeholder without values in this org). */
  warnings?: RuleProblem[];
  /** What the rule is, when it parses. */
  rule: RuleSummary | null;
}

/** POST /api/v1/rules/test and /rules/{id}/test. Without `events`, a backtest over [from, to). */
export interface RuleTestRequest {
  format?: RuleFormat;
  source?: string;
  from?: string;
  to?: string;
  /** Sample events: JSON objects, or raw log lines as strings. */
  events?: Array<Record<string, unknown> | string>;
  limit?: number;
}

export interface RuleTestMatch {
  event_id: string;
  timestamp: string;
  summary: string;
  /** Flattened ECS fields ("host.name": "web-1"). */
  fields: Record<string, unknown>;
}

export interface RuleTestResult {
  scanned: number;
  matched: number;
  /** Alerts live detection would have raised over the events, in time order. */
  alerts: number;
  /** Results that would have folded into one of those alerts (repeats within the fold window). */
  folded: number;
  matches: RuleTestMatch[];
  truncated: boolean;
  /** The range held more events than a backtest reads: it read the newest of them, from scanned_from on. */
  scan_limited?: boolean;
  /** With scan_limited: the time of the oldest event the backtest could read. */
  scanned_from?: string;
  elapsed_ms: number;
  /** Alerts and folded split by the document of the file that would have raised them. */
  documents?: Array<{ document: string; title: string; alerts: number; folded: number }>;
}

/** A retro-hunt job: a saved rule run over stored history in the background. */
export interface RetroHunt {
  id: string;
  rule_id: string;
  rule_title: string;
  from: string;
  to: string;
  raise_alerts: boolean;
  status: "running" | "done" | "failed" | "cancelled";
  scanned: number;
  total: number;
  progress: number;
  /** New alerts a hunt that raises alerts stored. */
  alerts_created: number;
  /** Its results that folded into open alerts (repeats) instead. */
  alerts_folded: number;
  /** @deprecated the older name of alerts_created */
  alerts_raised: number;
  started_by: string;
  started_at: string;
  finished_at: string | null;
  error?: string;
  result?: RuleTestResult;
}

export interface RetroHuntStart {
  from: string;
  to: string;
  raise_alerts: boolean;
}

/** The rules a bulk change selects by the list's filters (POST /api/v1/rules/bulk). */
export interface RuleBulkFilter {
  q?: string;
  status?: string;
  level?: string;
  tactic?: string;
  technique?: string;
  product?: string;
  category?: string;
  service?: string;
  pack?: string;
  kind?: string;
  enabled?: boolean;
  runnable?: boolean;
}

export const RULE_BULK_ACTIONS = ["enable", "disable", "delete"] as const;
export type RuleBulkAction = (typeof RULE_BULK_ACTIONS)[number];

/** Rules by `ids` or by `filter` (not both); `confirm` is the number selected, required to delete by filter. */
export type RuleBulkRequest = { action: RuleBulkAction; confirm?: number } & ({ ids: string[] } | { filter: RuleBulkFilter });

export interface RuleBulkResult {
  matched: number;
  changed: number;
}

/** The list's query as a bulk change's filter: the same rules, whatever the page and order. */
export function bulkFilter(q: RuleQuery): RuleBulkFilter {
  const f: RuleBulkFilter = {};
  for (const key of ["q", "status", "level", "tactic", "technique", "product", "category", "service", "pack", "kind"] as const) {
    const v = q[key]?.trim();
    if (v) f[key] = v;
  }
  if (q.enabled === "true" || q.enabled === "false") f.enabled = q.enabled === "true";
  if (q.runnable === "true" || q.runnable === "false") f.runnable = q.runnable === "true";
  return f;
}

export interface ImportFailure {
  file: string;
  line: number;
  column: number;
  message: string;
  /**
   * In `failed`: "unreadable" (not a valid rule) or "refused" (a valid rule
   * the organisation cannot take: its id or name is another rule's, or an
   * action names a channel it lacks). Absent from older servers: unreadable.
   */
  status?: "unreadable" | "refused";
}

/** A rule of an import and the file it came from. */
export interface ImportedRule {
  id: string;
  title: string;
  file: string;
}

/** A rule written or edited in EventSec that the import left as it was: its source differs from the file's. */
export interface ImportConflict extends ImportedRule {
  /** The stored rule's pack. */
  pack: string;
  message: string;
}

/** A rule of the import that is stored but cannot run as it is, and why. */
export interface NotRunnableRule extends ImportedRule {
  message: string;
}

export interface ImportReport {
  loaded: number;
  updated: number;
  unchanged: number;
  /** The rules counted in updated: replaced by the file's version (or their state restored from an export). */
  updated_rules: ImportedRule[];
  /** Rules of the organisation's own left as they were; importing with overwrite replaces them. */
  conflicts: ImportConflict[];
  failed: ImportFailure[];
  /** Rules of this import that cannot run yet: a placeholder without values, a correlation of a missing rule. */
  not_runnable: NotRunnableRule[];
  /** The organisation's other rules that cannot run (not in this import). */
  other_not_runnable: number;
  /** Exceptions an export brought back to its rules. */
  exceptions_restored: number;
  skipped: Array<{ file: string; reason: string }>;
  elapsed_ms: number;
}

/** How to import a pack. */
export interface ImportOptions {
  /** The pack the rules are filed under (custom when absent). */
  pack?: string;
  /** Rules new to the organisation come in disabled. */
  disabled?: boolean;
  /** Replace rules written or edited in EventSec whose source differs (otherwise they are conflicts). */
  overwrite?: boolean;
}

/** A rule that uses a placeholder. */
export interface PlaceholderRule {
  id: string;
  title: string;
}

/** A Sigma placeholder (%name%, expand modifier) and its values in this org. */
export interface Placeholder {
  name: string;
  values: string[];
  updated_by?: string;
  updated_at?: string | null;
  rules: PlaceholderRule[];
}

/** GET/PUT /api/v1/detection/placeholders. */
export interface Placeholders {
  placeholders: Placeholder[];
  /** Used by rules but without values: those rules do not run. */
  missing: Placeholder[];
  limits: { placeholders: number; values: number; value_bytes: number; name_pattern: string };
}

export interface PlaceholdersSet {
  placeholders: Array<{ name: string; values: string[] }>;
}

export interface CoverageTechnique {
  id: string;
  name: string;
  /** Rules tagged with the technique or one of its sub-techniques. */
  rules: number;
  /** Of which enabled. */
  enabled: number;
}

export interface CoverageTactic {
  id: string;
  shortname: string;
  name: string;
  techniques: CoverageTechnique[];
}

export interface Coverage {
  tactics: CoverageTactic[];
  techniques_total: number;
  techniques_covered: number;
}

// --- Alerts ---

export const ALERT_STATUSES = ["new", "acknowledged", "in_progress", "escalated", "resolved", "closed"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_STATUS_LABELS: Record<AlertStatus, string> = {
  new: "New",
  acknowledged: "Acknowledged",
  in_progress: "In progress",
  escalated: "Escalated",
  resolved: "Resolved",
  closed: "Closed",
};

/** The statuses of alerts still to be worked. */
export const OPEN_STATUSES: readonly AlertStatus[] = ["new", "acknowledged", "in_progress", "escalated"];

export function isAlertStatus(value: unknown): value is AlertStatus {
  return typeof value === "string" && (ALERT_STATUSES as readonly string[]).includes(value);
}

export interface AlertEntities {
  hosts: string[];
  users: string[];
  ips: string[];
  processes: string[];
  files: string[];
  domains: string[];
  /** The domain of each of `users` whose events named one (user.domain beside user.name). */
  user_domains?: Record<string, string>;
}

export interface Alert {
  id: string;
  rule_id: string;
  rule_title: string;
  rule_kind: RuleKind | string;
  /** The document of the rule's file that raised the alert (a correlation, a base rule); "" on older alerts. */
  rule_document_id?: string;
  /** That document's title; rule_title is the file's (its first document's). */
  rule_name?: string;
  severity: Level;
  status: AlertStatus;
  title: string;
  description: string;
  tactics: AttackTactic[];
  techniques: AttackTechnique[];
  entities: AlertEntities;
  /** Correlation group-by values; empty otherwise. */
  group: Record<string, string>;
  /** The matching events (at most 100), newest last. */
  event_ids: string[];
  /** Repeats folded into this alert. */
  count: number;
  dedup_key: string;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
  assignee: string;
}

/** GET /api/v1/alerts/{id}: the alert and its stored events (up to 50). */
export interface AlertDetail extends Alert {
  events: SecurityEvent[];
}

export interface AlertList {
  alerts: Alert[];
  total: number;
  next_cursor: string;
}

export interface AlertQuery {
  status?: readonly AlertStatus[];
  severity?: readonly Level[];
  rule?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AlertPatch {
  status?: AlertStatus;
  assignee?: string;
}

export interface AlertStats {
  total: number;
  open: number;
  by_severity: Partial<Record<Level, number>>;
  by_status: Partial<Record<AlertStatus, number>>;
  top_rules: Array<{ rule_id: string; title: string; count: number }>;
}

// --- Calls ---

const enc = encodeURIComponent;

function ruleParams(q: RuleQuery): Record<string, string | number | undefined> {
  return {
    q: q.q?.trim(),
    status: q.status,
    level: q.level,
    tactic: q.tactic,
    technique: q.technique,
    product: q.product,
    category: q.category,
    service: q.service,
    pack: q.pack,
    kind: q.kind,
    enabled: q.enabled,
    runnable: q.runnable || undefined,
    sort: q.sort && q.sort !== "title" ? q.sort : undefined,
    limit: q.limit,
    offset: q.offset,
  };
}

function alertParams(q: AlertQuery): Record<string, string | number | undefined> {
  return {
    status: q.status && q.status.length > 0 ? q.status.join(",") : undefined,
    severity: q.severity && q.severity.length > 0 ? q.severity.join(",") : undefined,
    rule: q.rule,
    q: q.q?.trim(),
    from: q.from,
    to: q.to,
    limit: q.limit,
    cursor: q.cursor,
  };
}

export const detectionApi = {
  listRules: (q: RuleQuery, signal?: AbortSignal) => api.get<RuleList>("/api/v1/rules", { query: ruleParams(q), signal }),
  getRule: (id: string, signal?: AbortSignal) => api.get<Rule>(`/api/v1/rules/${enc(id)}`, { signal }),
  createRule: (req: RuleCreate, signal?: AbortSignal) => api.post<Rule>("/api/v1/rules", req, signal),
  updateRule: (id: string, req: RuleUpdate, signal?: AbortSignal) => api.put<Rule>(`/api/v1/rules/${enc(id)}`, req, signal),
  patchRule: (id: string, req: RulePatch, signal?: AbortSignal) => api.patch<Rule>(`/api/v1/rules/${enc(id)}`, req, signal),
  deleteRule: (id: string, signal?: AbortSignal) => api.delete(`/api/v1/rules/${enc(id)}`, signal),
  /** rule_id: the rule being edited, whose own id and name are no duplicates; absent for a new rule. */
  validateRule: (req: { format: RuleFormat; source: string; rule_id?: string }, signal?: AbortSignal) =>
    api.post<Validation>("/api/v1/rules/validate", req, signal),
  /** A saved rule (`id`), as saved or with the `source` given; an unsaved one without `id`. */
  testRule: (req: RuleTestRequest, id?: string, signal?: AbortSignal) =>
    api.post<RuleTestResult>(id ? `/api/v1/rules/${enc(id)}/test` : "/api/v1/rules/test", req, signal),
  startRetroHunt: (ruleId: string, req: RetroHuntStart, signal?: AbortSignal) =>
    api.post<RetroHunt>(`/api/v1/rules/${enc(ruleId)}/retrohunt`, req, signal),
  getRetroHunt: (id: string, signal?: AbortSignal) => api.get<RetroHunt>(`/api/v1/retrohunts/${enc(id)}`, { signal }),
  cancelRetroHunt: (id: string, signal?: AbortSignal) => api.delete<RetroHunt>(`/api/v1/retrohunts/${enc(id)}`, signal),
  /** GET /api/v1/rules/export: the ZIP of the rules the list's filters select, unread (the caller saves it). */
  exportRules: (q: RuleQuery, signal?: AbortSignal) =>
    api.respond("GET", "/api/v1/rules/export", { query: { ...ruleParams(q), sort: undefined, limit: undefined, offset: undefined }, signal }),
  bulkRules: (req: RuleBulkRequest, signal?: AbortSignal) => api.post<RuleBulkResult>("/api/v1/rules/bulk", req, signal),
  coverage: (signal?: AbortSignal) => api.get<Coverage>("/api/v1/rules/coverage", { signal }),
  placeholders: (signal?: AbortSignal) => api.get<Placeholders>("/api/v1/detection/placeholders", { signal }),
  setPlaceholders: (req: PlaceholdersSet, signal?: AbortSignal) => api.put<Placeholders>("/api/v1/detection/placeholders", req, signal),
  listExceptions: (ruleId: string, signal?: AbortSignal) =>
    api.get<{ exceptions: RuleException[] }>(`/api/v1/rules/${enc(ruleId)}/exceptions`, { signal }),
  createException: (ruleId: string, req: ExceptionCreate, signal?: AbortSignal) =>
    api.post<ExceptionCreated>(`/api/v1/rules/${enc(ruleId)}/exceptions`, req, signal),
  deleteException: (ruleId: string, id: string, signal?: AbortSignal) =>
    api.delete(`/api/v1/rules/${enc(ruleId)}/exceptions/${enc(id)}`, signal),

  listAlerts: (q: AlertQuery, signal?: AbortSignal) => api.get<AlertList>("/api/v1/alerts", { query: alertParams(q), signal }),
  getAlert: (id: string, signal?: AbortSignal) => api.get<AlertDetail>(`/api/v1/alerts/${enc(id)}`, { signal }),
  patchAlert: (id: string, req: AlertPatch, signal?: AbortSignal) => api.patch<Alert>(`/api/v1/alerts/${enc(id)}`, req, signal),
  alertStats: (range: { from?: string | undefined; to?: string | undefined }, signal?: AbortSignal) =>
    api.get<AlertStats>("/api/v1/alerts/stats", { query: { from: range.from, to: range.to }, signal }),
};

/** How far an upload has come. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST /api/v1/rules/import with `file` (and the options: the pack the
 * rules are filed under, disabled, overwrite) as multipart form data, through
 * XMLHttpRequest because fetch cannot report upload progress. The session
 * and CSRF work as in the API client: on a 401 the session is refreshed
 * (through the client, which asks GET /api/v1/me) and the upload sent once
 * more.
 */
export async function importRules(file: File, onProgress: (p: UploadProgress) => void, signal?: AbortSignal, opts: ImportOptions = {}): Promise<ImportReport> {
  const first = await upload(file, onProgress, signal, opts);
  if (first.status !== 401) return answer(first);
  // The access cookie expired: the client refreshes it (or reports the session lost).
  await api.me(signal);
  return answer(await upload(file, onProgress, signal, opts));
}

interface Uploaded {
  status: number;
  statusText: string;
  body: string;
}

function upload(file: File, onProgress: (p: UploadProgress) => void, signal: AbortSignal | undefined, opts: ImportOptions): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/rules/import");
    xhr.setRequestHeader("Accept", "application/json");
    const csrf = readCookie("es_csrf");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, body: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    if (opts.pack) form.append("pack", opts.pack);
    if (opts.disabled) form.append("disabled", "true");
    if (opts.overwrite) form.append("overwrite", "true");
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

function answer(res: Uploaded): ImportReport {
  let body: unknown;
  try {
    body = res.body === "" ? undefined : JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  if (res.status >= 200 && res.status < 300 && body && typeof body === "object") {
    const r = body as Partial<ImportReport>;
    return {
      loaded: r.loaded ?? 0,
      updated: r.updated ?? 0,
      unchanged: r.unchanged ?? 0,
      updated_rules: r.updated_rules ?? [],
      conflicts: r.conflicts ?? [],
      failed: r.failed ?? [],
      not_runnable: r.not_runnable ?? [],
      other_not_runnable: r.other_not_runnable ?? 0,
      exceptions_restored: r.exceptions_restored ?? 0,
      skipped: r.skipped ?? [],
      elapsed_ms: r.elapsed_ms ?? 0,
    };
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  if (err && typeof err.code === "string") {
    throw new ApiError(
      res.status,
      err.code,
      typeof err.message === "string" && err.message !== "" ? err.message : res.statusText,
      typeof err.field === "string" && err.field !== "" ? err.field : undefined,
    );
  }
  throw new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`);
}

// --- Query keys and hooks ---

export const detectionKeys = {
  allRules: ["rules"] as const,
  rules: (q: RuleQuery) => ["rules", "list", q] as const,
  rule: (id: string) => ["rules", "one", id] as const,
  coverage: ["rules", "coverage"] as const,
  placeholders: ["rules", "placeholders"] as const,
  exceptions: (ruleId: string) => ["rules", "exceptions", ruleId] as const,
  allAlerts: ["alerts"] as const,
  alerts: (q: AlertQuery) => ["alerts", "list", q] as const,
  alert: (id: string) => ["alerts", "one", id] as const,
  alertStats: (range: object) => ["alerts", "stats", range] as const,
};

export function useRules(q: RuleQuery) {
  return useQuery({
    queryKey: detectionKeys.rules(q),
    queryFn: ({ signal }) => detectionApi.listRules(q, signal),
    placeholderData: keepPreviousData,
  });
}

export function useRule(id: string | undefined) {
  return useQuery({
    queryKey: detectionKeys.rule(id ?? ""),
    queryFn: ({ signal }) => detectionApi.getRule(id ?? "", signal),
    enabled: !!id,
  });
}

export function useCoverage() {
  return useQuery({ queryKey: detectionKeys.coverage, queryFn: ({ signal }) => detectionApi.coverage(signal) });
}

export function usePlaceholders() {
  return useQuery({ queryKey: detectionKeys.placeholders, queryFn: ({ signal }) => detectionApi.placeholders(signal) });
}

export function useAlerts(q: AlertQuery) {
  return useInfiniteQuery({
    queryKey: detectionKeys.alerts(q),
    queryFn: ({ pageParam, signal }) => detectionApi.listAlerts({ ...q, cursor: pageParam || undefined }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}

export function useAlert(id: string | undefined) {
  return useQuery({
    queryKey: detectionKeys.alert(id ?? ""),
    queryFn: ({ signal }) => detectionApi.getAlert(id ?? "", signal),
    enabled: !!id,
  });
}

export function useAlertStats(range: { from?: string | undefined; to?: string | undefined }, refetchInterval: number | false = 30_000, enabled = true) {
  return useQuery({
    queryKey: detectionKeys.alertStats(range),
    queryFn: ({ signal }) => detectionApi.alertStats(range, signal),
    refetchInterval,
    enabled,
  });
}
