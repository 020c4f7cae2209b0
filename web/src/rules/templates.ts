// Starting points for a new rule: a Sigma rule to adapt, and the JSON rule
// of EventSec's original API (the seed's "Brute Force Detection"). Both
// are complete rules the server accepts as they are.

import type { RuleFormat } from "../api/detection";

/** A random (version 4) UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newRuleId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A Sigma rule: a shell started by a web server (a web shell or an injected command). */
export function sigmaTemplate(author: string): string {
  return `title: Shell started by a web server
id: ${newRuleId()}
status: experimental
description: |
  A web server process started a shell, as a web shell or an injected
  command does. Adapt the selections, the log source and the level to what
  this rule should detect.
author: ${author.replace(/[\r\n]/g, " ") || "EventSec"}
date: ${today()}
tags:
  - attack.persistence
  - attack.t1505.003
  - attack.execution
  - attack.t1059.004
logsource:
  category: process_creation
  product: linux
detection:
  web_server:
    ParentImage|endswith:
      - /nginx
      - /apache2
      - /httpd
  shell:
    Image|endswith:
      - /sh
      - /bash
      - /dash
  condition: web_server and shell
falsepositives:
  - Server-side scripts that run shell commands on purpose
level: high
`;
}

/** The seed's JSON rule: five failed logins from one source within five minutes. */
export const JSON_TEMPLATE = `{
  "name": "Brute Force Detection",
  "description": "Five failed logins from the same source IP within five minutes.",
  "level": "high",
  "tags": ["attack.credential-access", "attack.t1110"],
  "conditions": [
    { "field": "event_type", "operator": "equals", "value": "LOGIN_FAILURE" }
  ],
  "aggregation": { "window": 5, "threshold": 5, "group_by": ["source_ip"] },
  "actions": [
    { "type": "email", "config": { "recipients": ["security@example.com"] } }
  ]
}
`;

export function templateFor(format: RuleFormat, author: string): string {
  return format === "json" ? JSON_TEMPLATE : sigmaTemplate(author);
}
