// Events and stats as the server sends them (docs/api.md "Events"), for tests.

import type { EventStats, SecurityEvent, Severity } from "../api/types";

const SCORE: Record<Severity, number> = { info: 10, low: 30, medium: 47, high: 73, critical: 99 };

export function makeEvent(overrides: Partial<SecurityEvent> & { id: string }): SecurityEvent {
  const sev = overrides.severity_label ?? "medium";
  return {
    "@timestamp": "2026-11-23T10:00:00Z",
    ingested: "2026-11-23T10:00:00.120Z",
    input: "http",
    severity: SCORE[sev],
    severity_label: sev,
    message: "Failed password for root from 81.2.69.142 port 4242 ssh2",
    fields: {
      event: { kind: "event", category: ["authentication"], outcome: "failure", severity: SCORE[sev], dataset: "linux.auth" },
      source: { ip: "81.2.69.142", port: 4242, geo: { country_iso_code: "GB", city_name: "London", location: { lat: 51.5142, lon: -0.0931 } } },
      user: { name: "root" },
      host: { name: "web-1" },
      message: "Failed password for root from 81.2.69.142 port 4242 ssh2",
    },
    raw: "<38>Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 81.2.69.142 port 4242 ssh2",
    ...overrides,
  };
}

export function makeStats(overrides: Partial<EventStats> = {}): EventStats {
  return {
    total: 0,
    interval_seconds: 3600,
    from: "2026-11-22T10:00:00Z",
    to: "2026-11-23T10:00:00Z",
    over_time: [],
    by_severity: [],
    by_category: [],
    by_dataset: [],
    by_input: [],
    top_hosts: [],
    top_users: [],
    top_sources: [],
    top_countries: [],
    ...overrides,
  };
}
