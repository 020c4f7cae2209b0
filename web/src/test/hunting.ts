// Hunting answers as the server sends them (docs/api.md "Hunting"), for tests.

import type { KqlResult, KqlSchema, SavedQuery } from "../api/hunting";

/** A small GET /api/v1/search/kql/schema. */
export const SCHEMA: KqlSchema = {
  tables: [
    {
      name: "SecurityEvent",
      doc: "Windows security events",
      columns: [
        { name: "TimeGenerated", type: "datetime", doc: "when it happened" },
        { name: "Computer", type: "string" },
        { name: "EventID", type: "long" },
        { name: "Account", type: "string" },
        { name: "severity", type: "string" },
        { name: "message", type: "string" },
      ],
    },
    {
      name: "Syslog",
      doc: "Syslog messages",
      columns: [
        { name: "TimeGenerated", type: "datetime" },
        { name: "HostName", type: "string" },
        { name: "SyslogMessage", type: "string" },
      ],
    },
  ],
  functions: ["ago", "bin", "tostring", "strcat", "count", "parse_xml", "series_decompose_anomalies", "series_fit_line"],
  aggregates: ["count", "dcount", "arg_max"],
  operators: ["where", "extend", "summarize", "project", "project-away", "join", "take", "limit", "make-series", "mv-apply", "top-nested"],
};

/** A result of SecurityEvent rows: two in the 09:00 hour, one at 10:00, a dynamic column. */
export function makeResult(overrides: Partial<KqlResult> = {}): KqlResult {
  return {
    columns: [
      { name: "TimeGenerated", type: "datetime" },
      { name: "Computer", type: "string" },
      { name: "EventID", type: "long" },
      { name: "EventData", type: "dynamic" },
    ],
    rows: [
      ["2026-11-23T09:05:00Z", "ws-7", 4625, { TargetUserName: "root", LogonType: 3, Tags: ["a", "b"] }],
      ["2026-11-23T09:40:00Z", "ws-8", 4625, null],
      ["2026-11-23T10:15:00Z", "web-1", 4624, { TargetUserName: "alice" }],
    ],
    stats: { rows: 3, elapsed_ms: 42, scanned: 1200 },
    truncated: false,
    query_id: "h-1",
    ...overrides,
  };
}

export function makeSaved(overrides: Partial<SavedQuery> & { id: string }): SavedQuery {
  return {
    name: "Failed logons",
    description: "4625 by host",
    query: "SecurityEvent | where EventID == 4625 | summarize count() by Computer",
    created_by: "u-1",
    created_by_email: "ana@example.test",
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-21T10:00:00Z",
    ...overrides,
  };
}
