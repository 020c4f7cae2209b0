// End-to-end: the SOC team's work against a real server, in Chromium.
// Alerts are raised by ingesting real events through the API; an alert is
// triaged from arrival to resolution (acknowledged, worked, resolved with a
// verdict), another is escalated to a work group, two more become one
// incident, a playbook is applied to it, a war-room note mentions a
// colleague, and a shift handover is sent by
// e-mail to an SMTP server run by this test (net: 220, EHLO, MAIL, RCPT,
// DATA, QUIT), through an e-mail channel with security "none"; last, every
// alert matching a filter, past the page, is acknowledged in one action.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const RULE = `title: E2E SOC wire transfer to new payee
id: 5b1f8a4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b
status: test
description: An application reported a wire transfer to a payee added minutes before.
author: e2e
tags:
  - attack.impact
  - attack.t1657
logsource:
  product: eventsec
  service: application
detection:
  selection:
    event_type: E2E_SOC_WIRE
  condition: selection
level: high
`;
const TITLE = "E2E SOC wire transfer to new payee";

let transfers = 0;
// Alerts are deduplicated by rule, host, user and source IP: one user, one alert.
const wire = (user, ip) => ({
  event: { dataset: "eventsec.application" },
  event_type: "E2E_SOC_WIRE",
  user,
  source_ip: ip,
  host: { name: "payments-1" },
  transfer_ref: `TR-${++transfers}`,
  message: `wire transfer to a new payee by ${user}`,
});

/**
 * A minimal SMTP receiver (RFC 5321's happy path): enough for a client that
 * sends one or more messages without TLS or authentication. Every message
 * received is kept with its envelope.
 */
function smtpReceiver() {
  /** @type {Array<{ from: string, to: string[], data: string }>} */
  const messages = [];
  const server = createServer((sock) => {
    sock.setEncoding("utf8");
    let buf = "";
    let inData = false;
    let cur = { from: "", to: /** @type {string[]} */ ([]), data: "" };
    const reply = (line) => sock.write(`${line}\r\n`);
    reply("220 e2e.test ESMTP ready");
    sock.on("data", (chunk) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          cur.data = buf.slice(0, end).replace(/\r\n\.\./g, "\r\n.");
          buf = buf.slice(end + 5);
          inData = false;
          messages.push(cur);
          cur = { from: "", to: [], data: "" };
          reply("250 2.0.0 queued");
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") {
          reply("250-e2e.test");
          reply("250-8BITMIME");
          reply("250 SMTPUTF8");
        } else if (verb === "HELO") reply("250 e2e.test");
        else if (verb === "MAIL") {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? "";
          reply("250 2.1.0 ok");
        } else if (verb === "RCPT") {
          cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          reply("250 2.1.5 ok");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 end with <CRLF>.<CRLF>");
        } else if (verb === "RSET") {
          cur = { from: "", to: [], data: "" };
          reply("250 ok");
        } else if (verb === "NOOP") reply("250 ok");
        else if (verb === "QUIT") {
          reply("221 bye");
          sock.end();
          return;
        } else reply("502 5.5.2 not implemented");
      }
    });
    sock.on("error", () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ port: typeof address === "object" && address ? address.port : 0, messages, close: () => new Promise((done) => server.close(() => done(undefined))) });
    });
  });
}

describe("SOC: triage, escalation, incidents, playbooks and handovers", { timeout: 300_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  /** @type {Awaited<ReturnType<typeof smtpReceiver>>} */
  let smtp;
  let token = "";
  let ingestKey = "";
  let groupId = "";
  let ruleId = "";
  let incidentId = "";
  const step = stepper(it, () => run);

  async function api(method, path, body, auth = token) {
    const headers = { Authorization: `Bearer ${auth}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function send(events) {
    const res = await api("POST", "/api/v1/events", events, ingestKey);
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }

  /** The open alert of `user`, once the detection raised it. */
  async function alertOf(user) {
    for (let i = 0; i < 100; i++) {
      const list = await api("GET", `/api/v1/alerts?rule=${encodeURIComponent(ruleId)}&limit=100`);
      const a = (list.body?.alerts ?? []).find((x) => (x.entities?.users ?? []).includes(user));
      if (a) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no alert for ${user}: ${JSON.stringify((await api("GET", "/api/v1/alerts?limit=5")).body)}`);
  }

  async function until(what, check) {
    for (let i = 0; i < 50; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("soc-")) rmSync(join(artifacts, f));
    smtp = await smtpReceiver();
    run = await start("soc");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    const key = await api("POST", "/api/v1/api-keys", { name: "payments app", role: "ingest", expires_in_days: 0 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ingestKey = key.body.key;
    const rule = await api("POST", "/api/v1/rules", { format: "sigma", source: RULE, enabled: true });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    ruleId = rule.body.id;
    const group = await api("POST", "/api/v1/groups", { name: "Tier 2", description: "Escalations", member_ids: [] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    groupId = group.body.id;
  });

  after(async () => {
    await stop(run);
    await smtp?.close();
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("an alert is triaged from arrival to resolution: acknowledged, in progress, resolved with a verdict", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await send([wire("alice", "81.2.69.142")]);
    const alert = await alertOf("alice");
    await page.goto(`${baseURL}/alerts`);
    const queue = page.getByRole("table", { name: "Alerts, newest activity first" });
    await queue.getByRole("link", { name: TITLE }).first().waitFor();
    await screenshot(run, "queue");
    await page.goto(`${baseURL}/alerts/${alert.id}`);
    await page.getByRole("heading", { level: 1, name: TITLE }).waitFor();
    const status = page.getByRole("group", { name: "Change the status" });
    await status.getByRole("button", { name: "Acknowledge" }).click();
    await page.locator(".rule-meta-line .status-badge").filter({ hasText: "Acknowledged" }).waitFor();
    await status.getByRole("button", { name: "Start work" }).click();
    await page.locator(".rule-meta-line .status-badge").filter({ hasText: "In progress" }).waitFor();
    await status.getByRole("button", { name: "Resolve" }).click();
    const dialog = page.getByRole("dialog", { name: `Resolve “${TITLE}”` });
    await dialog.getByRole("radio", { name: "True positive" }).check();
    await dialog.getByLabel("Comment").fill("Customer confirmed the payee was fraudulent; transfer recalled.");
    await screenshot(run, "resolve-dialog");
    await dialog.getByRole("button", { name: "Resolve" }).click();
    await status.getByRole("button", { name: "Reopen" }).waitFor();
    const got = await api("GET", `/api/v1/alerts/${alert.id}`);
    assert.equal(got.body.status, "resolved");
    assert.equal(got.body.verdict, "true_positive");
    assert.ok(got.body.acknowledged_at, "acknowledged_at is set");
    assert.ok(got.body.resolved_at, "resolved_at is set");
    const history = page.getByRole("list", { name: "What was done, oldest first" });
    await until("the history to list the three changes", async () => (await history.getByRole("listitem").count()) >= 3);
    await screenshot(run, "resolved");
  });

  step("an alert is escalated to a work group with a reason", async ({ page, baseURL }) => {
    await send([wire("bob", "89.160.20.112")]);
    const alert = await alertOf("bob");
    await page.goto(`${baseURL}/alerts/${alert.id}`);
    await page.getByRole("heading", { level: 1, name: TITLE }).waitFor();
    await page.getByRole("group", { name: "Work this alert" }).getByRole("button", { name: "Escalate…" }).click();
    const dialog = page.getByRole("dialog", { name: `Escalate “${TITLE}”` });
    await dialog.getByRole("radio", { name: "A work group" }).check();
    await dialog.getByRole("combobox", { name: "Work group" }).selectOption({ label: "Tier 2" });
    await dialog.getByLabel("Reason").fill("Second new-payee transfer today; needs fraud team review.");
    await dialog.getByRole("button", { name: "Escalate" }).click();
    await page.locator(".rule-meta-line .status-badge").filter({ hasText: "Escalated" }).waitFor();
    await page.getByRole("region", { name: "About" }).getByText("Tier 2").first().waitFor();
    const got = await api("GET", `/api/v1/alerts/${alert.id}`);
    assert.equal(got.body.status, "escalated");
    assert.equal(got.body.escalation?.to_group, groupId);
    await screenshot(run, "escalated");
  });

  step("two alerts become one incident from the queue", async ({ page, baseURL }) => {
    await send([wire("carol", "81.2.69.160"), wire("dave", "81.2.69.161")]);
    const carol = await alertOf("carol");
    const dave = await alertOf("dave");
    await page.goto(`${baseURL}/alerts?status=new`);
    const queue = page.getByRole("table", { name: "Alerts, newest activity first" });
    await until("both new alerts in the queue", async () => (await queue.getByRole("link", { name: TITLE }).count()) === 2);
    await page.getByLabel("Select all shown alerts").check();
    const bar = page.getByRole("region", { name: "Bulk actions" });
    await bar.getByText("2 alerts selected").waitFor();
    await bar.getByRole("button", { name: "Add to incident…" }).click();
    await page.getByRole("dialog", { name: "Add to an incident" }).getByRole("button", { name: "Create a new incident instead" }).click();
    const dialog = page.getByRole("dialog", { name: "New incident from 2 alerts" });
    await dialog.getByLabel("Title").fill("Wire fraud on payments-1");
    await dialog.getByLabel("Severity").selectOption("high");
    await screenshot(run, "new-incident");
    await dialog.getByRole("button", { name: "Create incident" }).click();
    await page.waitForURL(/\/incidents\/[^/]+$/);
    incidentId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
    await page.getByRole("heading", { level: 1, name: /Wire fraud on payments-1/ }).waitFor();
    const inc = await api("GET", `/api/v1/incidents/${incidentId}`);
    assert.equal(inc.status, 200, JSON.stringify(inc.body));
    assert.deepEqual(inc.body.alerts.map((a) => a.id).sort(), [carol.id, dave.id].sort());
    await page.getByRole("tab", { name: /^Alerts/ }).click();
    assert.equal(await page.getByRole("table", { name: "Alerts of this incident" }).getByRole("link", { name: TITLE }).count(), 2);
    await screenshot(run, "incident-alerts");
  });

  step("a playbook from the library is applied: its steps become tasks", async ({ page }) => {
    const library = await api("GET", "/api/v1/playbooks");
    assert.equal(library.status, 200, JSON.stringify(library.body));
    const pb = library.body.playbooks[0];
    assert.ok(pb, "the library has playbooks");
    await page.getByRole("tab", { name: /^Tasks/ }).click();
    await page.getByRole("button", { name: "Apply playbook…" }).click();
    const dialog = page.getByRole("dialog", { name: "Apply a playbook" });
    await dialog.getByRole("radio", { name: new RegExp(pb.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }).check();
    await dialog.getByRole("list", { name: `Steps of ${pb.name}` }).waitFor();
    await dialog.getByRole("button", { name: "Apply playbook" }).click();
    const tasks = page.getByRole("list", { name: "Tasks" });
    await until("the playbook's tasks", async () => (await tasks.getByRole("listitem").count()) === pb.steps.length);
    const inc = await api("GET", `/api/v1/incidents/${incidentId}`);
    assert.equal(inc.body.playbook_id, pb.id);
    assert.deepEqual(inc.body.tasks.map((t) => t.title), pb.steps.map((s) => s.title));
    await screenshot(run, "playbook-tasks");
  });

  step("a war-room note with an @mention is posted on the incident, in light and dark", async ({ page }) => {
    await page.getByRole("tab", { name: "War room" }).click();
    const box = page.getByRole("combobox", { name: "Note" });
    await box.fill("");
    await box.pressSequentially("Recalled both transfers; over to @adm");
    await page.getByRole("listbox", { name: "People to mention" }).getByRole("option", { name: /admin@e2e\.test/ }).waitFor();
    await box.press("Enter");
    assert.match(await box.inputValue(), /@admin@e2e\.test $/);
    await box.pressSequentially("for the customer call.");
    await page.getByRole("button", { name: "Post note" }).click();
    const notes = page.getByRole("list", { name: "Notes, oldest first" });
    await notes.getByText("Recalled both transfers", { exact: false }).waitFor();
    const got = await api("GET", `/api/v1/notes?object_type=incident&object_id=${encodeURIComponent(incidentId)}`);
    const note = got.body.notes.at(-1);
    assert.equal(note.body, "Recalled both transfers; over to @admin@e2e.test for the customer call.");
    assert.deepEqual(note.mentions.map((m) => m.email), ["admin@e2e.test"]);
    await screenshot(run, "war-room-note");
    const toggle = page.getByRole("button", { name: "Dark theme" });
    await toggle.click();
    await screenshot(run, "war-room-note-dark");
    await toggle.click();
  });

  step("a shift handover is composed and sent by e-mail to the SMTP server", async ({ page, baseURL }) => {
    const channel = await api("POST", "/api/v1/notifications/channels", {
      name: "E2E handover mail",
      kind: "email",
      enabled: true,
      min_severity: "critical",
      events: [],
      groups: [],
      config: { host: "127.0.0.1", port: smtp.port, security: "none", username: "", password: "", from: "soc@e2e.test", to: ["soc@e2e.test"], skip_verify: false },
    });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    await page.goto(`${baseURL}/handovers`);
    const composer = page.getByRole("region", { name: "Compose a handover" });
    await composer.getByRole("button", { name: "Compose" }).click();
    await composer.getByText(/^From \d+ open alerts?/).waitFor();
    const subject = await composer.getByLabel("Subject").inputValue();
    assert.ok(subject.length > 0, "the composed subject");
    assert.match(await composer.getByLabel("Body (Markdown)").inputValue(), /Wire fraud on payments-1|E2E SOC wire/);
    await composer.getByLabel("Recipients").fill("day-shift@e2e.test");
    await composer.getByLabel("E-mail channel").selectOption({ label: "E2E handover mail" });
    await screenshot(run, "handover");
    await composer.getByRole("button", { name: "Send handover" }).click();
    await composer.getByRole("status").filter({ hasText: "Sent to day-shift@e2e.test." }).waitFor({ timeout: 15_000 });
    await until("the SMTP server to receive the handover", async () => smtp.messages.length > 0);
    const mail = smtp.messages[0];
    assert.deepEqual(mail.to, ["day-shift@e2e.test"]);
    assert.equal(mail.from, "soc@e2e.test");
    assert.match(mail.data, /^Subject: /m);
    await page.getByRole("table", { name: "Handovers, newest first" }).getByText("Sent", { exact: true }).waitFor();
    await screenshot(run, "handover-sent");
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });

  step("every alert matching the filter, past the page of 50, is acknowledged in one action", async ({ page, baseURL }) => {
    const users = Array.from({ length: 55 }, (_, i) => `bulkpayer-${String(i).padStart(2, "0")}`);
    await send(users.map((u, i) => wire(u, `81.2.70.${i + 1}`)));
    const matching = async () => (await api("GET", "/api/v1/alerts?q=bulkpayer&status=new&limit=100")).body?.alerts ?? [];
    await until("55 new alerts", async () => (await matching()).length === 55);
    await page.goto(`${baseURL}/alerts?status=new&q=bulkpayer`);
    const queue = page.getByRole("table", { name: "Alerts, newest activity first" });
    await until("a page of 50", async () => (await queue.getByRole("link", { name: TITLE }).count()) === 50);
    await page.getByLabel("Select all shown alerts").check();
    await page.getByText("All 50 alerts on this page are selected.").waitFor();
    await page.getByRole("button", { name: "Select all 55 alerts matching this filter" }).click();
    const bar = page.getByRole("region", { name: "Bulk actions" });
    await bar.getByText("All 55 alerts matching this filter selected").waitFor();
    await screenshot(run, "select-all-matching");
    await bar.getByRole("button", { name: "Acknowledge" }).click();
    const result = page.getByRole("region", { name: "Bulk action result" });
    await result.getByText("Acknowledged: 55 updated.").waitFor();
    // The queue (new only) empties; the message stays until dismissed.
    await page.getByText("No alerts match these filters.").waitFor();
    await page.waitForTimeout(1500);
    assert.equal(await result.count(), 1, "the result is still shown");
    await screenshot(run, "select-all-matching-done");
    await result.getByRole("button", { name: "Dismiss" }).click();
    assert.equal(await result.count(), 0);
    const acked = (await api("GET", "/api/v1/alerts?q=bulkpayer&status=acknowledged&limit=100")).body.alerts;
    assert.equal(acked.length, 55);
    assert.equal((await matching()).length, 0);
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });
});
