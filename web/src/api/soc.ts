// The SOC team's work: alert triage beyond the status (verdicts, escalation,
// bulk actions, history), incidents with their tasks, observables, timeline
// and attachments, playbooks, containment actions, war-room notes,
// workplans, shift handovers, notification channels, SLA targets and SOC
// metrics (docs: the issue 6 API contract). Types as the server sends them,
// the calls through the one API client, and the TanStack Query hooks the
// pages share.

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "./client";
import { MAX_EXCEPTION_CONDITIONS, type Alert, type AlertDetail, type AlertQuery, type AlertStats, type AlertStatus, type ExceptionCondition, type ExceptionCreate, type Level } from "./detection";
import { queryKeys } from "./queries";
import type { SecurityEvent } from "./types";

const enc = encodeURIComponent;

// --- Alerts (triage) ---

export const VERDICTS = ["true_positive", "benign", "false_positive"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const VERDICT_LABELS: Record<Verdict, string> = {
  true_positive: "True positive",
  benign: "Benign (true but expected)",
  false_positive: "False positive",
};

export function verdictLabel(v: string | undefined | null): string {
  return v ? ((VERDICT_LABELS as Record<string, string>)[v] ?? v) : "";
}

/** Statuses that close an alert; the server refuses them without a verdict. */
export const CLOSING_STATUSES: readonly AlertStatus[] = ["resolved", "closed"];

export interface SlaState {
  ack_due: string | null;
  resolve_due: string | null;
  ack_breached: boolean;
  resolve_breached: boolean;
}

export interface Escalation {
  to_user: string;
  to_user_email: string;
  to_group: string;
  to_group_name: string;
  reason: string;
  by: string;
  by_email: string;
  at: string;
}

/**
 * The alert view with the triage fields. They are optional here because an
 * alert pushed over the live channel by an older component may lack them;
 * the pages treat a missing field as empty.
 */
export interface TriageAlert extends Alert {
  assignee_email?: string;
  assignee_group?: string;
  assignee_group_name?: string;
  verdict?: Verdict | "";
  escalation?: Escalation | null;
  incident_id?: string;
  acknowledged_at?: string | null;
  resolved_at?: string | null;
  deleted_at?: string | null;
  sla?: SlaState;
  /** Answering a change that created a rule exception: its conditions on fields EventSec's events are not known to have. */
  exception_warnings?: string[];
}

/** GET /api/v1/alerts/{id} with the triage fields, the notes count and the actions taken. */
export interface TriageAlertDetail extends AlertDetail, Omit<TriageAlert, keyof Alert> {
  notes?: number;
  actions?: ResponseAction[];
}

export interface TriageAlertList {
  alerts: TriageAlert[];
  total: number;
  next_cursor: string;
}

export const ALERT_SORTS = ["last_seen", "created", "first_seen", "severity"] as const;
export type AlertSort = (typeof ALERT_SORTS)[number];

/** The alert time a range bounds: when raised (created) or last seen. */
export const ALERT_TIME_FIELDS = ["created", "last_seen"] as const;
export type AlertTimeField = (typeof ALERT_TIME_FIELDS)[number];

export interface TriageAlertQuery extends AlertQuery {
  /** A user id, "me" or "none". */
  assignee?: string;
  group?: string;
  verdict?: string;
  /** An incident id or "none". */
  incident?: string;
  sort?: AlertSort;
  /** What from and to bound; the API's default is last_seen. */
  time_field?: AlertTimeField;
  /** The trash (alerts:delete). */
  deleted?: boolean;
}

export interface AlertTriagePatch {
  status?: AlertStatus;
  assignee?: string;
  assignee_group?: string;
  verdict?: Verdict | "";
  comment?: string;
  /** Only with verdict false_positive: a rule exception from the alert's values. */
  create_exception?: ExceptionCreate;
}

export interface EscalateRequest {
  to_user?: string;
  to_group?: string;
  reason: string;
}

export interface AlertHistoryEntry {
  at: string;
  actor: string;
  actor_email: string;
  action: string;
  detail: string;
}

export interface RelatedAlert {
  alert: TriageAlert;
  shared: Array<{ kind: "host" | "user" | "ip" | string; value: string }>;
}

/** One page of GET /api/v1/alerts/{id}/events: the alert's events, oldest first. */
export interface AlertEventsPage {
  events: SecurityEvent[];
  /** Stored events this page read (within the alert's span, after the filter). */
  scanned: number;
  /** Continues the reading; "" once the alert's span is read to its end. */
  next_cursor: string;
  from: string;
  to: string;
  /** The event query that narrowed the reading (the alert's host, user and source address). */
  filter: string;
}

export const BULK_ACTIONS = ["acknowledge", "assign", "status", "escalate", "delete", "restore"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * A bulk action acts on `ids`, or on every alert `filter` selects (the
 * list's query parameters, at most 10,000 alerts).
 */
export interface BulkRequest {
  ids?: string[];
  filter?: Record<string, string>;
  action: BulkAction;
  status?: AlertStatus;
  verdict?: Verdict;
  assignee?: string;
  assignee_group?: string;
  reason?: string;
}

export interface BulkResult {
  /** The alerts asked for: the ids, or those the filter matched. */
  matched?: number;
  updated: number;
  failed: Array<{ id: string; error: string }>;
}

// --- Incidents ---

export const INCIDENT_STATUSES = ["open", "in_progress", "contained", "resolved", "closed"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  open: "Open",
  in_progress: "In progress",
  contained: "Contained",
  resolved: "Resolved",
  closed: "Closed",
};

export const TASK_STATUSES = ["todo", "in_progress", "blocked", "done", "skipped"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_STATUS_LABELS: Record<TaskStatus, string> = {
  todo: "To do",
  in_progress: "In progress",
  blocked: "Blocked",
  done: "Done",
  skipped: "Skipped",
};

export interface TaskCounts {
  todo: number;
  in_progress: number;
  blocked: number;
  done: number;
}

export interface Incident {
  id: string;
  number: string;
  title: string;
  description: string;
  severity: Level;
  status: IncidentStatus;
  verdict: Verdict | "";
  owner: string;
  owner_email: string;
  group: string;
  group_name: string;
  tags: string[];
  created_by: string;
  created_by_email: string;
  created_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  alert_count: number;
  task_counts: TaskCounts;
  playbook_id: string;
  sla: SlaState;
}

export interface Task {
  id: string;
  incident_id: string;
  workplan_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  assignee: string;
  assignee_email: string;
  due_at: string | null;
  position: number;
  playbook_step: number | null;
  /** A playbook's automated step: run it with POST /api/v1/tasks/{id}/run and a target. */
  action: { type: string; target_from?: string } | null;
  overdue?: boolean;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export const OBSERVABLE_TYPES = ["ip", "domain", "url", "hash", "email", "user", "host", "file", "other"] as const;
export type ObservableType = (typeof OBSERVABLE_TYPES)[number];

export interface Observable {
  id: string;
  type: ObservableType;
  value: string;
  description: string;
  ioc: boolean;
  enrichment: {
    geo?: { country_iso_code?: string; country_name?: string; city_name?: string } | string | null;
    asn?: { number?: number; organization?: string } | string | number | null;
    sightings: number;
    intel?: unknown[];
  };
  created_at: string;
  created_by: string;
}

export interface TimelineEntry {
  id: string;
  at: string;
  kind: "auto" | "manual";
  actor: string;
  actor_email: string;
  message: string;
  detail: string;
}

export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  created_at: string;
  url: string;
}

export interface IncidentDetail extends Incident {
  alerts: TriageAlert[];
  tasks: Task[];
  observables: Observable[];
  timeline: TimelineEntry[];
  attachments: Attachment[];
}

export interface IncidentList {
  incidents: Incident[];
  total: number;
  next_cursor: string;
}

export interface IncidentQuery {
  status?: string;
  severity?: string;
  /** A user id, "me" or "none". */
  owner?: string;
  group?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface IncidentCreate {
  title: string;
  description?: string;
  severity: Level;
  owner?: string;
  group?: string;
  tags?: string[];
  alert_ids?: string[];
  playbook_id?: string;
}

export interface IncidentPatch {
  title?: string;
  description?: string;
  severity?: Level;
  status?: IncidentStatus;
  verdict?: Verdict | "";
  owner?: string;
  group?: string;
  tags?: string[];
}

export interface TaskCreate {
  title: string;
  description?: string;
  assignee?: string;
  due_at?: string;
  status?: TaskStatus;
}

export interface TaskPatch {
  title?: string;
  description?: string;
  status?: TaskStatus;
  assignee?: string;
  due_at?: string | null;
  position?: number;
}

export interface ObservableCreate {
  type: ObservableType;
  value: string;
  description?: string;
  ioc?: boolean;
}

export interface Proposal {
  key: string;
  entity: { kind: string; value: string };
  alerts: TriageAlert[];
  severity: Level;
  title: string;
}

// --- Playbooks ---

export const ACTION_TYPES = ["block_ip", "block_domain", "block_url", "block_sender", "isolate_host", "release_host", "kill_process", "disable_user"] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface PlaybookStep {
  title: string;
  description: string;
  kind: "manual" | "action";
  action?: { type: ActionType | string; target_from?: "host" | "ip" | "user" | "domain" | "sender" };
}

export interface Playbook {
  id: string;
  name: string;
  description: string;
  category: string;
  builtin: boolean;
  severity_hint: Level | "";
  steps: PlaybookStep[];
}

export type PlaybookInput = Omit<Playbook, "id" | "builtin">;

// --- Response actions ---

export interface ResponseAction {
  id: string;
  type: ActionType;
  /** The IP, domain, URL, e-mail, host or user; "host:pid" for kill_process. */
  target: string;
  params: Record<string, unknown>;
  reason: string;
  alert_id: string;
  incident_id: string;
  status: "done" | "queued" | "delivered" | "failed";
  result: string;
  actor: string;
  actor_email: string;
  created_at: string;
  updated_at: string;
}

export interface ResponseActionCreate {
  type: ActionType;
  target: string;
  params?: Record<string, unknown>;
  reason: string;
  alert_id?: string;
  incident_id?: string;
}

// --- War room ---

export type NoteObjectType = "alert" | "incident";

export interface Note {
  id: string;
  object_type: NoteObjectType;
  object_id: string;
  author: string;
  author_email: string;
  body: string;
  /** Sanitised by the server. */
  body_html: string;
  mentions: Array<{ user_id: string; email: string }>;
  attachments: Attachment[];
  created_at: string;
  updated_at: string;
}

export interface Room {
  object_type: NoteObjectType;
  object_id: string;
  title: string;
  severity: Level;
  status: string;
  note_count: number;
  last_note_at: string | null;
}

/** What the server accepts as an attachment (POST /api/v1/attachments); mirrored to refuse early. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENT_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "csv", "json", "log", "eml", "zip", "pcap"] as const;

/** Why the server would refuse `file`, or null when it is acceptable. */
export function attachmentProblem(file: { name: string; size: number }): string | null {
  const ext = file.name.includes(".") ? (file.name.split(".").pop() ?? "").toLowerCase() : "";
  if (!(ATTACHMENT_EXTENSIONS as readonly string[]).includes(ext)) {
    return `${file.name}: this type of file cannot be attached (allowed: images, PDF, text, CSV, JSON, logs, e-mails, ZIP, PCAP). Password-protected samples belong in the Sandbox.`;
  }
  if (file.size > ATTACHMENT_MAX_BYTES) return `${file.name} is ${formatBytes(file.size)}; attachments can be at most 10 MiB.`;
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

// --- Workplans ---

export interface WorkplanLink {
  type: "alert" | "incident";
  id: string;
  title: string;
}

export interface Workplan {
  id: string;
  title: string;
  description: string;
  owner: string;
  owner_email: string;
  group: string;
  status: "active" | "done" | "archived";
  due_at: string | null;
  links: WorkplanLink[];
  tasks: Task[];
  created_at: string;
  updated_at: string;
}

export interface WorkplanCreate {
  title: string;
  description?: string;
  owner?: string;
  group?: string;
  due_at?: string;
  links?: Array<Pick<WorkplanLink, "type" | "id">>;
}

export type WorkplanPatch = Partial<Omit<WorkplanCreate, "links">> & { status?: Workplan["status"]; links?: Array<Pick<WorkplanLink, "type" | "id">> };

// --- Handovers ---

export interface HandoverSnapshot {
  alerts: number;
  incidents: number;
  tasks: number;
}

export interface Handover {
  id: string;
  group: string;
  group_name: string;
  author: string;
  author_email: string;
  subject: string;
  body: string;
  recipients: string[];
  channel_id: string;
  status: "draft" | "sent" | "failed";
  error: string;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
  snapshot: HandoverSnapshot;
}

export interface ComposedHandover {
  subject: string;
  body: string;
  snapshot: HandoverSnapshot;
}

export interface HandoverInput {
  group?: string;
  subject: string;
  body: string;
  recipients: string[];
  channel_id: string;
  /** The counts the composed text was made from, kept with the handover. */
  snapshot?: HandoverSnapshot;
}

// --- Notifications ---

export const CHANNEL_KINDS = ["email", "slack", "teams", "pagerduty", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  email: "E-mail (SMTP)",
  slack: "Slack",
  teams: "Microsoft Teams",
  pagerduty: "PagerDuty",
  webhook: "Webhook",
};

export const NOTIFY_EVENTS = ["alert.raised", "alert.updated", "alert.resolved", "incident.created", "incident.updated"] as const;

export interface Channel {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  min_severity: Level;
  events: string[];
  groups: string[];
  /** Per kind; secrets come back "" with `<name>_set: true`. */
  config: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export type ChannelInput = Pick<Channel, "name" | "kind" | "enabled" | "min_severity" | "events" | "groups" | "config">;

export interface ChannelTestResult {
  ok: boolean;
  status: string | number;
  error?: string;
  duration_ms: number;
}

export interface Delivery {
  id: string;
  channel_id: string;
  channel_name: string;
  event: string;
  title: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  last_error: string;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface DeliveryQuery {
  channel?: string;
  status?: string;
  limit?: number;
  cursor?: string;
}

// --- SLA and metrics ---

export interface SlaTarget {
  ack_minutes: number;
  resolve_minutes: number;
}

export type SlaSettings = Record<Level, SlaTarget>;

export interface SocMetrics {
  from: string;
  to: string;
  alerts: {
    raised: number;
    acknowledged: number;
    resolved: number;
    mtta_seconds: number | null;
    mttr_seconds: number | null;
    ack_breaches: number;
    resolve_breaches: number;
    open: number;
    open_breaching: number;
  };
  incidents: { opened: number; resolved: number; mtta_seconds: number | null; mttr_seconds: number | null; open: number };
  by_group: Array<{ group: string; group_name: string; alerts_resolved: number; mtta_seconds: number | null; mttr_seconds: number | null }>;
  by_user: Array<{ user: string; email: string; alerts_resolved?: number; resolved?: number; mtta_seconds: number | null; mttr_seconds: number | null }>;
  by_severity: Array<{ severity: Level; mtta_seconds: number | null; mttr_seconds: number | null; count: number }>;
  verdicts: Partial<Record<Verdict, number>>;
}

// --- Calls ---

function alertParams(q: TriageAlertQuery): Record<string, string | number | boolean | undefined> {
  return {
    status: q.status && q.status.length > 0 ? q.status.join(",") : undefined,
    severity: q.severity && q.severity.length > 0 ? q.severity.join(",") : undefined,
    rule: q.rule,
    q: q.q?.trim(),
    from: q.from,
    to: q.to,
    assignee: q.assignee,
    group: q.group,
    verdict: q.verdict,
    incident: q.incident,
    sort: q.sort,
    time_field: q.time_field,
    deleted: q.deleted ? true : undefined,
    limit: q.limit,
    cursor: q.cursor,
  };
}

/** The list's filters (not its page or order) as a bulk action's filter. */
export function alertFilterParams(q: TriageAlertQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(alertParams({ ...q, limit: undefined, cursor: undefined, sort: undefined }))) {
    if (v !== undefined && v !== "") out[k] = String(v);
  }
  return out;
}

type S = AbortSignal | undefined;

export const socApi = {
  // Alerts
  listAlerts: (q: TriageAlertQuery, signal?: S) => api.get<TriageAlertList>("/api/v1/alerts", { query: alertParams(q), signal }),
  /** The counts of the alerts the query's filters select (its page and order aside). */
  alertStats: (q: TriageAlertQuery, signal?: S) =>
    api.get<AlertStats>("/api/v1/alerts/stats", { query: alertParams({ ...q, limit: undefined, cursor: undefined, sort: undefined }), signal }),
  getAlert: (id: string, signal?: S) => api.get<TriageAlertDetail>(`/api/v1/alerts/${enc(id)}`, { signal }),
  patchAlert: (id: string, patch: AlertTriagePatch, signal?: S) => api.patch<TriageAlert>(`/api/v1/alerts/${enc(id)}`, patch, signal),
  escalateAlert: (id: string, req: EscalateRequest, signal?: S) => api.post<TriageAlert>(`/api/v1/alerts/${enc(id)}/escalate`, req, signal),
  alertHistory: (id: string, signal?: S) => api.get<{ history: AlertHistoryEntry[] }>(`/api/v1/alerts/${enc(id)}/history`, { signal }),
  relatedAlerts: (id: string, signal?: S) => api.get<{ related: RelatedAlert[] }>(`/api/v1/alerts/${enc(id)}/related`, { signal }),
  alertEvents: (id: string, cursor: string, size: number, signal?: S) =>
    api.get<AlertEventsPage>(`/api/v1/alerts/${enc(id)}/events`, { query: { size: String(size), cursor: cursor || undefined }, signal }),
  deleteAlert: (id: string, signal?: S) => api.delete(`/api/v1/alerts/${enc(id)}`, signal),
  restoreAlert: (id: string, signal?: S) => api.post<TriageAlert>(`/api/v1/alerts/${enc(id)}/restore`, {}, signal),
  bulk: (req: BulkRequest, signal?: S) => api.post<BulkResult>("/api/v1/alerts/bulk", req, signal),

  // Incidents
  listIncidents: (q: IncidentQuery, signal?: S) => api.get<IncidentList>("/api/v1/incidents", { query: { ...q }, signal }),
  getIncident: (id: string, signal?: S) => api.get<IncidentDetail>(`/api/v1/incidents/${enc(id)}`, { signal }),
  createIncident: (req: IncidentCreate, signal?: S) => api.post<IncidentDetail>("/api/v1/incidents", req, signal),
  patchIncident: (id: string, patch: IncidentPatch, signal?: S) => api.patch<Incident>(`/api/v1/incidents/${enc(id)}`, patch, signal),
  deleteIncident: (id: string, signal?: S) => api.delete(`/api/v1/incidents/${enc(id)}`, signal),
  linkAlerts: (id: string, alertIds: string[], signal?: S) => api.post<unknown>(`/api/v1/incidents/${enc(id)}/alerts`, { alert_ids: alertIds }, signal),
  unlinkAlert: (id: string, alertId: string, signal?: S) => api.delete(`/api/v1/incidents/${enc(id)}/alerts/${enc(alertId)}`, signal),
  addTimeline: (id: string, entry: { message: string; at?: string }, signal?: S) => api.post<TimelineEntry>(`/api/v1/incidents/${enc(id)}/timeline`, entry, signal),
  addTask: (id: string, task: TaskCreate, signal?: S) => api.post<Task>(`/api/v1/incidents/${enc(id)}/tasks`, task, signal),
  patchTask: (id: string, patch: TaskPatch, signal?: S) => api.patch<Task>(`/api/v1/tasks/${enc(id)}`, patch, signal),
  deleteTask: (id: string, signal?: S) => api.delete(`/api/v1/tasks/${enc(id)}`, signal),
  runTask: (id: string, req: { target: string; reason?: string }, signal?: S) => api.post<{ action: ResponseAction; task: Task }>(`/api/v1/tasks/${enc(id)}/run`, req, signal),
  addObservable: (id: string, obs: ObservableCreate, signal?: S) => api.post<Observable>(`/api/v1/incidents/${enc(id)}/observables`, obs, signal),
  deleteObservable: (id: string, oid: string, signal?: S) => api.delete(`/api/v1/incidents/${enc(id)}/observables/${enc(oid)}`, signal),
  applyPlaybook: (id: string, playbookId: string, signal?: S) => api.post<IncidentDetail>(`/api/v1/incidents/${enc(id)}/playbook`, { playbook_id: playbookId }, signal),
  proposals: (signal?: S) => api.get<{ proposals: Proposal[] }>("/api/v1/incidents/proposals", { signal }),
  acceptProposal: (alertIds: string[], title?: string, signal?: S) =>
    api.post<IncidentDetail>("/api/v1/incidents/proposals/accept", title ? { alert_ids: alertIds, title } : { alert_ids: alertIds }, signal),

  // Playbooks
  listPlaybooks: (signal?: S) => api.get<{ playbooks: Playbook[] }>("/api/v1/playbooks", { signal }),
  getPlaybook: (id: string, signal?: S) => api.get<Playbook>(`/api/v1/playbooks/${enc(id)}`, { signal }),
  createPlaybook: (p: PlaybookInput, signal?: S) => api.post<Playbook>("/api/v1/playbooks", p, signal),
  updatePlaybook: (id: string, p: PlaybookInput, signal?: S) => api.put<Playbook>(`/api/v1/playbooks/${enc(id)}`, p, signal),
  deletePlaybook: (id: string, signal?: S) => api.delete(`/api/v1/playbooks/${enc(id)}`, signal),

  // Response actions
  runAction: (req: ResponseActionCreate, signal?: S) => api.post<ResponseAction>("/api/v1/response/actions", req, signal),
  listActions: (q: { alert_id?: string; incident_id?: string; limit?: number }, signal?: S) =>
    api.get<{ actions: ResponseAction[] }>("/api/v1/response/actions", { query: { ...q }, signal }),

  // War room
  listNotes: (type: NoteObjectType, id: string, signal?: S) => api.get<{ notes: Note[] }>("/api/v1/notes", { query: { object_type: type, object_id: id }, signal }),
  addNote: (req: { object_type: NoteObjectType; object_id: string; body: string; attachment_ids?: string[] }, signal?: S) => api.post<Note>("/api/v1/notes", req, signal),
  editNote: (id: string, body: string, signal?: S) => api.patch<Note>(`/api/v1/notes/${enc(id)}`, { body }, signal),
  deleteNote: (id: string, signal?: S) => api.delete(`/api/v1/notes/${enc(id)}`, signal),
  rooms: (signal?: S) => api.get<{ rooms: Room[] }>("/api/v1/warroom", { signal }),
  uploadAttachment: (file: File, type: NoteObjectType, id: string, signal?: S) => uploadAttachment(file, type, id, signal),

  // Workplans
  listWorkplans: (signal?: S) => api.get<{ workplans: Workplan[] }>("/api/v1/workplans", { signal }),
  getWorkplan: (id: string, signal?: S) => api.get<Workplan>(`/api/v1/workplans/${enc(id)}`, { signal }),
  createWorkplan: (req: WorkplanCreate, signal?: S) => api.post<Workplan>("/api/v1/workplans", req, signal),
  patchWorkplan: (id: string, patch: WorkplanPatch, signal?: S) => api.patch<Workplan>(`/api/v1/workplans/${enc(id)}`, patch, signal),
  deleteWorkplan: (id: string, signal?: S) => api.delete(`/api/v1/workplans/${enc(id)}`, signal),
  addWorkplanTask: (id: string, task: TaskCreate, signal?: S) => api.post<Task>(`/api/v1/workplans/${enc(id)}/tasks`, task, signal),

  // Handovers
  composeHandover: (group: string | undefined, signal?: S) => api.post<ComposedHandover>("/api/v1/handovers/compose", group ? { group } : {}, signal),
  listHandovers: (signal?: S) => api.get<{ handovers: Handover[] }>("/api/v1/handovers", { signal }),
  createHandover: (req: HandoverInput, signal?: S) => api.post<Handover>("/api/v1/handovers", req, signal),
  updateHandover: (id: string, req: Partial<HandoverInput>, signal?: S) => api.patch<Handover>(`/api/v1/handovers/${enc(id)}`, req, signal),
  sendHandover: (id: string, signal?: S) => api.post<Handover>(`/api/v1/handovers/${enc(id)}/send`, {}, signal),

  // Notifications
  listChannels: (signal?: S) => api.get<{ channels: Channel[] }>("/api/v1/notifications/channels", { signal }),
  createChannel: (req: ChannelInput, signal?: S) => api.post<Channel>("/api/v1/notifications/channels", req, signal),
  updateChannel: (id: string, req: Partial<ChannelInput>, signal?: S) => api.patch<Channel>(`/api/v1/notifications/channels/${enc(id)}`, req, signal),
  deleteChannel: (id: string, signal?: S) => api.delete(`/api/v1/notifications/channels/${enc(id)}`, signal),
  testChannel: (id: string, signal?: S) => api.post<ChannelTestResult>(`/api/v1/notifications/channels/${enc(id)}/test`, {}, signal),
  listDeliveries: (q: DeliveryQuery, signal?: S) =>
    api.get<{ deliveries: Delivery[]; next_cursor: string }>("/api/v1/notifications/deliveries", { query: { ...q }, signal }),

  // SLA and metrics
  getSla: (signal?: S) => api.get<{ sla: SlaSettings }>("/api/v1/soc/sla", { signal }),
  putSla: (sla: SlaSettings, signal?: S) => api.put<{ sla: SlaSettings }>("/api/v1/soc/sla", { sla }, signal),
  metrics: (q: { from?: string; to?: string; group?: string }, signal?: S) => api.get<SocMetrics>("/api/v1/soc/metrics", { query: { ...q }, signal }),
};

/**
 * POST /api/v1/attachments as multipart form data (field "file"). The
 * session and CSRF work as in the API client: on a 401 the session is
 * refreshed through the client (GET /api/v1/me) and the upload sent again.
 */
export async function uploadAttachment(file: File, type: NoteObjectType, id: string, signal?: AbortSignal): Promise<Attachment> {
  const send = () => {
    const form = new FormData();
    form.append("file", file, file.name);
    const headers: Record<string, string> = { Accept: "application/json" };
    const csrf = readCookie("es_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init: RequestInit = { method: "POST", headers, body: form, credentials: "same-origin" };
    if (signal) init.signal = signal;
    return fetch(`/api/v1/attachments?object_type=${enc(type)}&object_id=${enc(id)}`, init);
  };
  let res = await send();
  if (res.status === 401) {
    await api.me(signal);
    res = await send();
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok) return body as Attachment;
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  if (err && typeof err.code === "string") {
    throw new ApiError(res.status, err.code, typeof err.message === "string" && err.message ? err.message : res.statusText, typeof err.field === "string" && err.field ? err.field : undefined);
  }
  throw new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`);
}

// --- Query keys and hooks ---

export const socKeys = {
  alertList: (q: TriageAlertQuery) => ["alerts", "list", q] as const,
  alertStats: (q: TriageAlertQuery) => ["alerts", "stats", "filtered", q] as const,
  alert: (id: string) => ["alerts", "one", id] as const,
  alertHistory: (id: string) => ["alerts", "history", id] as const,
  related: (id: string) => ["alerts", "related", id] as const,
  events: (id: string) => ["alerts", "events", id] as const,
  allIncidents: ["incidents"] as const,
  incidents: (q: IncidentQuery) => ["incidents", "list", q] as const,
  incident: (id: string) => ["incidents", "one", id] as const,
  proposals: ["incidents", "proposals"] as const,
  playbooks: ["playbooks"] as const,
  actions: (q: object) => ["response-actions", q] as const,
  allActions: ["response-actions"] as const,
  notes: (type: string, id: string) => ["notes", type, id] as const,
  rooms: ["warroom"] as const,
  workplans: ["workplans"] as const,
  workplan: (id: string) => ["workplans", id] as const,
  handovers: ["handovers"] as const,
  channels: ["notify", "channels"] as const,
  deliveries: (q: DeliveryQuery) => ["notify", "deliveries", q] as const,
  sla: ["soc", "sla"] as const,
  metrics: (q: object) => ["soc", "metrics", q] as const,
};

/** The counts of the queue as filtered, refreshed every 30 s. */
export function useTriageAlertStats(q: TriageAlertQuery) {
  return useQuery({
    queryKey: socKeys.alertStats(q),
    queryFn: ({ signal }) => socApi.alertStats(q, signal),
    refetchInterval: 30_000,
    placeholderData: keepPreviousData,
  });
}

export function useTriageAlerts(q: TriageAlertQuery) {
  return useInfiniteQuery({
    queryKey: socKeys.alertList(q),
    queryFn: ({ pageParam, signal }) => socApi.listAlerts({ ...q, cursor: pageParam || undefined }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
    // A changed filter keeps the last rows on screen (dimmed) until its own
    // arrive, instead of blanking the queue for a moment.
    placeholderData: keepPreviousData,
  });
}

export function useAlertHistory(id: string) {
  return useQuery({ queryKey: socKeys.alertHistory(id), queryFn: ({ signal }) => socApi.alertHistory(id, signal) });
}

/** All of an alert's events, oldest first, a page at a time; fetched only once enabled. */
export function useAlertEvents(id: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: socKeys.events(id),
    queryFn: ({ pageParam, signal }) => socApi.alertEvents(id, pageParam, 100, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
    enabled,
  });
}

export function useRelatedAlerts(id: string) {
  return useQuery({ queryKey: socKeys.related(id), queryFn: ({ signal }) => socApi.relatedAlerts(id, signal) });
}

export function useIncidents(q: IncidentQuery) {
  return useInfiniteQuery({
    queryKey: socKeys.incidents(q),
    queryFn: ({ pageParam, signal }) => socApi.listIncidents({ ...q, cursor: pageParam || undefined }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
    placeholderData: keepPreviousData,
  });
}

export function useIncident(id: string) {
  return useQuery({ queryKey: socKeys.incident(id), queryFn: ({ signal }) => socApi.getIncident(id, signal), enabled: id !== "" });
}

export function useProposals(enabled = true) {
  return useQuery({ queryKey: socKeys.proposals, queryFn: ({ signal }) => socApi.proposals(signal), enabled });
}

export function usePlaybooks(enabled = true) {
  return useQuery({ queryKey: socKeys.playbooks, queryFn: ({ signal }) => socApi.listPlaybooks(signal), staleTime: 60_000, enabled });
}

export function useResponseActions(q: { alert_id?: string; incident_id?: string }, enabled = true) {
  return useQuery({ queryKey: socKeys.actions(q), queryFn: ({ signal }) => socApi.listActions({ ...q, limit: 100 }, signal), enabled });
}

export function useNotes(type: NoteObjectType, id: string) {
  return useQuery({ queryKey: socKeys.notes(type, id), queryFn: ({ signal }) => socApi.listNotes(type, id, signal), enabled: id !== "" });
}

export function useRooms() {
  return useQuery({ queryKey: socKeys.rooms, queryFn: ({ signal }) => socApi.rooms(signal) });
}

export function useWorkplans() {
  return useQuery({ queryKey: socKeys.workplans, queryFn: ({ signal }) => socApi.listWorkplans(signal) });
}

export function useWorkplan(id: string) {
  return useQuery({ queryKey: socKeys.workplan(id), queryFn: ({ signal }) => socApi.getWorkplan(id, signal), enabled: id !== "" });
}

export function useHandovers() {
  return useQuery({ queryKey: socKeys.handovers, queryFn: ({ signal }) => socApi.listHandovers(signal) });
}

export function useChannels(enabled = true) {
  return useQuery({ queryKey: socKeys.channels, queryFn: ({ signal }) => socApi.listChannels(signal), enabled });
}

export function useDeliveries(q: DeliveryQuery) {
  return useQuery({ queryKey: socKeys.deliveries(q), queryFn: ({ signal }) => socApi.listDeliveries(q, signal), placeholderData: keepPreviousData });
}

export function useSla() {
  return useQuery({ queryKey: socKeys.sla, queryFn: ({ signal }) => socApi.getSla(signal) });
}

export function useSocMetrics(q: { from?: string; to?: string; group?: string }) {
  return useQuery({ queryKey: socKeys.metrics(q), queryFn: ({ signal }) => socApi.metrics(q, signal), placeholderData: keepPreviousData });
}

/** The org's work groups (every role may read them). */
export function useWorkGroups() {
  return useQuery({ queryKey: queryKeys.groups, queryFn: ({ signal }) => api.listGroups(signal), staleTime: 60_000 });
}

/** The org's users, when the caller may list them (users:read); otherwise nothing is asked. */
export function useDirectory(enabled: boolean) {
  const query = { limit: 500 };
  return useQuery({ queryKey: queryKeys.users(query), queryFn: ({ signal }) => api.listUsers(query, signal), enabled, staleTime: 60_000 });
}

/**
 * A rule exception's conditions, prefilled from the alert: one per field
 * it was grouped by, else one of its first entity; empty when it has none.
 */
export function exceptionFromAlert(a: Pick<Alert, "group" | "entities">): ExceptionCondition[] {
  const groups = Object.entries(a.group ?? {}).filter(([, v]) => v !== "");
  if (groups.length > 0) return groups.slice(0, MAX_EXCEPTION_CONDITIONS).map(([field, value]) => ({ field, operator: "equals", value }));
  const e = a.entities;
  const pick: Array<[string, string[] | undefined]> = [
    ["source.ip", e?.ips],
    ["host.name", e?.hosts],
    ["user.name", e?.users],
    ["process.name", e?.processes],
    ["file.path", e?.files],
    ["url.domain", e?.domains],
  ];
  for (const [field, values] of pick) {
    const v = values?.[0];
    if (v) return [{ field, operator: "equals", value: v }];
  }
  return [];
}

/** "1h 5m", "3d 2h", "45s": a duration for MTTA/MTTR and SLA timers. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(Math.abs(seconds)));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}
