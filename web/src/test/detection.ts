// Rules, alerts and their lists as the server sends them (the detection
// API), for tests.

import type { Alert, AlertStats, Coverage, Rule, RuleList, RuleSummary } from "../api/detection";

export function makeRule(overrides: Partial<Rule> & { id: string }): Rule {
  return {
    title: "Suspicious PowerShell download cradle",
    description: "PowerShell downloading and running a script in one command line.",
    author: "EventSec",
    format: "sigma",
    kind: "detection",
    source: "title: Suspicious PowerShell download cradle\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: DownloadString\n  condition: sel\nlevel: high\n",
    status: "test",
    level: "high",
    severity_override: "",
    alert_group_by: [],
    alert_window_minutes: 0,
    enabled: true,
    pack: "sigmahq",
    logsource: { product: "windows", category: "process_creation", service: "" },
    tags: ["attack.execution", "attack.t1059.001"],
    attack: {
      tactics: [{ id: "TA0002", name: "Execution", shortname: "execution" }],
      techniques: [{ id: "T1059.001", name: "Command and Scripting Interpreter: PowerShell" }],
    },
    references: [],
    falsepositives: [],
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-21T10:00:00Z",
    created_by: "",
    stats: { matches: 12, alerts: 3, eval_ns_per_event: 410, eval_samples: 96, last_match_at: "2026-11-23T09:00:00Z" },
    runnable: true,
    exceptions: [],
    ...overrides,
  };
}

/** The list form: no source, no exceptions. */
export function summaryOf(rule: Rule): RuleSummary {
  const { source: _source, exceptions: _exceptions, ...summary } = rule;
  return summary;
}

export function makeRuleList(rules: Rule[], overrides: Partial<RuleList> = {}): RuleList {
  return {
    rules: rules.map(summaryOf),
    total: rules.length,
    facets: {
      level: { high: 2, medium: 1 },
      status: { test: 2, stable: 1 },
      pack: { sigmahq: 2, custom: 1 },
      product: { windows: 2, linux: 1 },
      tactic: { execution: 2, "credential-access": 1 },
      kind: { detection: 3 },
      enabled: { true: 2, false: 1 },
    },
    ...overrides,
  };
}

export function makeAlert(overrides: Partial<Alert> & { id: string }): Alert {
  return {
    rule_id: "r-1",
    rule_title: "SSH brute force",
    rule_kind: "threshold",
    severity: "high",
    status: "new",
    title: "SSH brute force from 81.2.69.142",
    description: "Five failed logins from one source within five minutes.",
    tactics: [{ id: "TA0006", name: "Credential Access", shortname: "credential-access" }],
    techniques: [{ id: "T1110", name: "Brute Force" }],
    entities: { hosts: ["web-1"], users: ["root"], ips: ["81.2.69.142"], processes: [], files: [], domains: [] },
    group: { "source.ip": "81.2.69.142" },
    event_ids: ["e-1", "e-2"],
    count: 5,
    dedup_key: "r-1|source.ip=81.2.69.142",
    first_seen: "2026-11-23T09:55:00Z",
    last_seen: "2026-11-23T10:00:00Z",
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:00Z",
    assignee: "",
    ...overrides,
  };
}

export function makeAlertStats(overrides: Partial<AlertStats> = {}): AlertStats {
  return {
    total: 0,
    open: 0,
    by_severity: {},
    by_status: {},
    top_rules: [],
    ...overrides,
  };
}

export function makeCoverage(): Coverage {
  return {
    tactics: [
      {
        id: "TA0001",
        shortname: "initial-access",
        name: "Initial Access",
        techniques: [
          { id: "T1078", name: "Valid Accounts", rules: 0, enabled: 0 },
          { id: "T1190", name: "Exploit Public-Facing Application", rules: 3, enabled: 2 },
        ],
      },
      {
        id: "TA0002",
        shortname: "execution",
        name: "Execution",
        techniques: [{ id: "T1059", name: "Command and Scripting Interpreter", rules: 12, enabled: 12 }],
      },
    ],
    techniques_total: 3,
    techniques_covered: 2,
  };
}
