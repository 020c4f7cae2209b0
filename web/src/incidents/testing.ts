// SOC objects as the server sends them (the issue 6 API contract), and the
// permissions the server's roles now carry, for the component tests.

import type { IncidentDetail, Incident, Note, Playbook, Task, TriageAlert } from "../api/soc";
import type { Me } from "../api/types";
import { makeAlert } from "../test/detection";
import { makeMe, makeMeAs } from "../test/helpers";

/** What internal/auth/rbac.go adds for the SOC work (alerts:delete, incidents, response, notify). */
export const SOC_PERMISSIONS = {
  admin: ["alerts:delete", "incidents:read", "incidents:write", "response:execute", "notify:read", "notify:write"],
  team_lead: ["incidents:read", "incidents:write", "response:execute", "notify:read", "notify:write"],
  senior_analyst: ["incidents:read", "incidents:write", "response:execute", "notify:read"],
  analyst: ["incidents:read", "incidents:write", "notify:read"],
  viewer: ["incidents:read"],
} as const;

export function socMe(role: keyof typeof SOC_PERMISSIONS = "admin", overrides: Partial<Me> = {}): Me {
  const base = role === "admin" ? makeMe() : makeMeAs(role);
  return { ...base, permissions: [...base.permissions, ...SOC_PERMISSIONS[role]], ...overrides };
}

export function triageAlert(overrides: Partial<TriageAlert> & { id: string }): TriageAlert {
  return {
    ...makeAlert(overrides),
    assignee_email: "",
    assignee_group: "",
    assignee_group_name: "",
    verdict: "",
    escalation: null,
    incident_id: "",
    acknowledged_at: null,
    resolved_at: null,
    deleted_at: null,
    sla: { ack_due: "2099-01-01T00:00:00Z", resolve_due: "2099-01-02T00:00:00Z", ack_breached: false, resolve_breached: false },
    ...overrides,
  };
}

export function makeIncident(overrides: Partial<Incident> & { id: string }): Incident {
  return {
    number: "INC-0007",
    title: "Brute force against web-1",
    description: "Repeated SSH failures followed by a success.",
    severity: "high",
    status: "open",
    verdict: "",
    owner: "u-admin",
    owner_email: "admin@example.test",
    group: "",
    group_name: "",
    tags: ["ssh"],
    created_by: "u-admin",
    created_by_email: "admin@example.test",
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:05:00Z",
    acknowledged_at: null,
    resolved_at: null,
    closed_at: null,
    alert_count: 1,
    task_counts: { todo: 1, in_progress: 0, blocked: 0, done: 0 },
    playbook_id: "",
    sla: { ack_due: "2099-01-01T00:00:00Z", resolve_due: "2099-01-02T00:00:00Z", ack_breached: false, resolve_breached: false },
    ...overrides,
  };
}

export function makeTask(overrides: Partial<Task> & { id: string }): Task {
  return {
    incident_id: "",
    workplan_id: "",
    title: "Contain the host",
    description: "",
    status: "todo",
    assignee: "",
    assignee_email: "",
    due_at: null,
    position: 0,
    playbook_step: null,
    action: null,
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:00Z",
    completed_at: null,
    ...overrides,
  };
}

export function makeIncidentDetail(overrides: Partial<IncidentDetail> & { id: string }): IncidentDetail {
  return {
    ...makeIncident(overrides),
    alerts: [triageAlert({ id: "a-1", incident_id: overrides.id })],
    tasks: [makeTask({ id: "t-1", incident_id: overrides.id, title: "Check the source IP" })],
    observables: [],
    timeline: [{ id: "tl-1", at: "2026-11-23T10:00:00Z", kind: "auto", actor: "u-admin", actor_email: "admin@example.test", message: "Incident opened", detail: "" }],
    attachments: [],
    ...overrides,
  };
}

export const PLAYBOOK: Playbook = {
  id: "pb-phish",
  name: "Phishing response",
  description: "Contain a phishing e-mail and its clicks.",
  category: "Phishing",
  builtin: true,
  severity_hint: "high",
  steps: [
    { title: "Identify recipients", description: "", kind: "manual" },
    { title: "Block the sender", description: "", kind: "action", action: { type: "block_sender", target_from: "sender" } },
  ],
};

export function makeNote(overrides: Partial<Note> & { id: string }): Note {
  return {
    object_type: "incident",
    object_id: "i-1",
    author: "u-admin",
    author_email: "admin@example.test",
    body: "Looking at it",
    body_html: "<p>Looking at it</p>",
    mentions: [],
    attachments: [],
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:00Z",
    ...overrides,
  };
}
