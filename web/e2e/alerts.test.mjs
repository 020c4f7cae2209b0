// End-to-end: alerts raised by a real server from events sent through the
// API, seen in the browser. A fresh queue says how alerts arrive; a matching
// event puts an alert on screen without a reload; a repeat is folded into it;
// its status changes from the row and from its page; its page shows the rule,
// ATT&CK by name, entities that search Events, and the matching events; a
// filtered queue holds new alerts behind a pill; the counts by severity
// follow; an alert of more repeats than it keeps IDs of finds all its events
// and opens the ones it keeps, by id, in Events;
// the rule's own grouping folds one user's alerts across hosts.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const RULE = `title: E2E wire transfer to new payee
id: 8d0e6b2a-3c4f-4a1b-9e2d-7f6a5b4c3d2e
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
    event_type: E2E_WIRE_NEW_PAYEE
  condition: selection
falsepositives:
  - A customer paying a new supplier
level: high
`;

let transfers = 0;
// Each transfer differs (its reference): identical events would share their derived ID.
const wire = (user, ip, host = "payments-1") => ({
  event: { dataset: "eventsec.application" },
  event_type: "E2E_WIRE_NEW_PAYEE",
  user,
  source_ip: ip,
  host: { name: host },
  transfer_ref: `TR-${++transfers}`,
  message: `wire transfer to a new payee by ${user}`,
});

describe("alerts: raised live, worked from the queue and the alert's page", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let ingestKey = "";
  let ruleId = "";
  let alertId = "";
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

  async function dark(on) {
    const toggle = run.page.getByRole("button", { name: "Dark theme" });
    if ((await toggle.getAttribute("aria-pressed")) !== String(on)) await toggle.click();
  }

  const queue = () => run.page.getByRole("table", { name: "Alerts, newest activity first" });

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("alerts-")) rmSync(join(artifacts, f));
    run = await start("alerts");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    const key = await api("POST", "/api/v1/api-keys", { name: "payments app", role: "ingest", expires_in_days: 0 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ingestKey = key.body.key;
    const rule = await api("POST", "/api/v1/rules", { format: "sigma", source: RULE, enabled: true });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    ruleId = rule.body.id;
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("a fresh queue says when alerts appear and where they come from", async ({ page }) => {
    await logIn(run, ADMIN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    await page.getByText("No alerts yet — alerts appear here within a second of a matching event.").waitFor();
    assert.equal(await page.getByRole("link", { name: "Rules" }).last().getAttribute("href"), "/rules");
    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    await screenshot(run, "empty");
  });

  step("a matching event puts its alert on screen without a reload", async ({ page }) => {
    const sentAt = Date.now();
    await send([wire("alice", "81.2.69.142")]);
    const link = queue().getByRole("link", { name: "E2E wire transfer to new payee" }).first();
    await link.waitFor({ timeout: 5000 });
    const ms = Date.now() - sentAt;
    console.log(`alert on screen ${ms} ms after the event was sent`);
    const row = link.locator("xpath=ancestor::tr");
    assert.match(await row.getAttribute("class"), /row-fresh/);
    assert.match(await row.innerText(), /HIGH/);
    assert.match(await row.innerText(), /alice/);
    alertId = (await link.getAttribute("href")).replace("/alerts/", "");
    const counts = page.getByRole("group", { name: "Alerts by severity (click to filter)" });
    await counts.getByRole("button", { name: /^High/ }).filter({ hasText: "1" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Alerts/ }).filter({ hasText: "1 open" }).waitFor({ timeout: 35_000 });
    await screenshot(run, "live-arrival");
  });

  step("a repeat is folded into the alert, counted on its row", async () => {
    await send([wire("alice", "81.2.69.142")]);
    const row = queue().getByRole("row").filter({ hasText: "alice" });
    await row.getByText("×2").waitFor({ timeout: 5000 });
    assert.equal(await queue().getByRole("row").count(), 2, "still one alert");
    const alert = await api("GET", `/api/v1/alerts/${alertId}`);
    assert.equal(alert.body.count, 2);
  });

  step("the status changes from the row", async () => {
    const select = queue().getByRole("combobox", { name: /^Status of / }).first();
    await select.selectOption("acknowledged");
    for (let i = 0; i < 50; i++) {
      if ((await api("GET", `/api/v1/alerts/${alertId}`)).body.status === "acknowledged") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await api("GET", `/api/v1/alerts/${alertId}`)).body.status, "acknowledged");
  });

  step("the alert's page: rule, ATT&CK by name, entities, matching events", async ({ page }) => {
    await queue().getByRole("link", { name: "E2E wire transfer to new payee" }).first().click();
    await page.waitForURL(new RegExp(`/alerts/${alertId}$`));
    await page.getByRole("heading", { level: 1, name: /E2E wire transfer to new payee/ }).waitFor();
    const about = page.getByRole("region", { name: "About" });
    assert.equal(await about.getByRole("link", { name: "E2E wire transfer to new payee" }).getAttribute("href"), `/rules/${ruleId}`);
    await about.getByText("Impact", { exact: true }).waitFor();
    await about.getByRole("link", { name: /T1657 Financial Theft/ }).waitFor();
    const entities = page.getByRole("region", { name: "Entities" });
    const user = entities.getByRole("link", { name: "alice" });
    const href = new URL(await user.getAttribute("href"), run.baseURL);
    assert.equal(href.pathname, "/events");
    // related.user stands for every field an alert's user is read from, so that the link finds its events whichever held it.
    assert.equal(href.searchParams.get("q"), 'related.user:"alice"');
    const events = page.getByRole("table", { name: "Events that matched this alert, newest first" });
    assert.equal(await events.getByRole("row").count(), 3, "both matching events");
    await events.getByRole("button", { name: /^Open event/ }).first().click();
    const drawer = page.getByRole("dialog", { name: "Event details" });
    await drawer.getByText("wire transfer to a new payee by alice").first().waitFor();
    await screenshot(run, "detail-event");
    await drawer.getByRole("button", { name: "Close" }).click();
    await screenshot(run, "detail");
    await dark(true);
    await screenshot(run, "detail-dark");
    await dark(false);
    // The entity's link finds its events in the explorer.
    await entities.getByRole("link", { name: "alice" }).click();
    await page.waitForURL(/\/events\?/);
    const found = page.getByRole("table", { name: "Events, newest first" });
    await found.getByText("wire transfer to a new payee by alice").first().waitFor();
    assert.ok((await found.locator("tbody tr").count()) >= 2, "the alert's two events at least");
    await page.goBack();
    await page.getByRole("heading", { level: 1, name: /E2E wire transfer to new payee/ }).waitFor();
  });

  step("resolving it from its page", async ({ page }) => {
    const actions = page.getByRole("group", { name: "Change the status" });
    await actions.getByRole("button", { name: "Resolve" }).click();
    // Resolving asks what the alert turned out to be.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "True positive" }).check();
    await dialog.getByRole("button", { name: "Resolve" }).click();
    await actions.getByRole("button", { name: "Reopen" }).waitFor();
    await page.locator(".status-badge").filter({ hasText: "Resolved" }).waitFor();
    assert.equal((await api("GET", `/api/v1/alerts/${alertId}`)).body.status, "resolved");
  });

  step("an entity opens Events on its events", async ({ page }) => {
    await page.getByRole("region", { name: "Entities" }).getByRole("link", { name: "alice" }).click();
    await page.waitForURL(/\/events\?/);
    await page.getByText("Showing 2 of 2, newest first").waitFor();
  });

  step("a filtered queue holds a new alert behind a pill", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/alerts?status=resolved`);
    await queue().getByRole("row").filter({ hasText: "alice" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    await page.goto(`${baseURL}/alerts?sev=high`);
    await queue().waitFor();
    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    const before = await queue().getByRole("row").count();
    await send([wire("bob", "89.160.20.112")]);
    const pill = page.getByRole("button", { name: "1 new alert · show" });
    await pill.waitFor({ timeout: 5000 });
    assert.equal(await queue().getByRole("row").count(), before, "the rows stand still");
    await screenshot(run, "pill");
    await pill.click();
    await queue().getByRole("row").filter({ hasText: "bob" }).waitFor();
    assert.equal(await queue().getByRole("row").count(), before + 1);
  });

  step("the counts by severity and status filters agree with the API", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/alerts`);
    await queue().waitFor();
    const stats = await api("GET", "/api/v1/alerts/stats");
    assert.equal(stats.body.total, 2);
    const counts = page.getByRole("group", { name: "Alerts by severity (click to filter)" });
    await counts.getByRole("button", { name: /^Open/ }).filter({ hasText: `${stats.body.open}of ${stats.body.total}` }).waitFor();
    await counts.getByRole("button", { name: /^Open/ }).click();
    await page.waitForURL(/status=new%2Cacknowledged%2Cin_progress%2Cescalated/);
    // The unfiltered rows stay on screen (dimmed) until the filtered ones
    // arrive: alice's alert, resolved, leaves when they do.
    await queue().getByRole("row").filter({ hasText: "alice" }).waitFor({ state: "detached" });
    assert.equal(await queue().getAttribute("aria-busy"), null, "the rows are the filter's own");
    await queue().getByRole("row").filter({ hasText: "bob" }).waitFor();
    assert.equal(await queue().getByRole("row").count(), stats.body.open + 1);
    await screenshot(run, "queue");
    await dark(true);
    await screenshot(run, "queue-dark");
    await dark(false);
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });

  step("an alert of 130 repeats loads all of its events, past the 100 it keeps, and opens exactly them in Events", async ({ page, baseURL }) => {
    await send(Array.from({ length: 130 }, () => wire("carol", "81.2.69.160")));
    let alert;
    for (let i = 0; i < 100 && alert?.count !== 130; i++) {
      const list = await api("GET", "/api/v1/alerts?limit=50");
      alert = list.body.alerts.find((a) => a.entities.users.includes("carol"));
      if (alert?.count !== 130) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(alert?.count, 130, JSON.stringify(alert));
    assert.equal(alert.event_ids.length, 100, "the alert keeps the IDs of its last 100 events");
    await page.goto(`${baseURL}/alerts/${alert.id}`);
    const section = page.getByRole("region", { name: "Matching events" });
    const shown = section.getByRole("status");
    await shown.filter({ hasText: "Showing 50 of the alert's events" }).waitFor();
    // Each page follows the last's cursor; the first overlaps the 50 the alert came with.
    await section.getByRole("button", { name: "Load more" }).click();
    await shown.filter({ hasText: "Showing 130 of the alert's events" }).waitFor();
    await section.getByRole("button", { name: "Load more" }).click();
    await shown.filter({ hasText: "Showing all 130 of the alert's events found in its span" }).waitFor();
    const table = section.getByRole("table", { name: "Events that matched this alert, newest first" });
    assert.equal(await table.getByRole("row").count(), 131);
    assert.equal(await section.getByRole("button", { name: "Load more" }).count(), 0);
    // Open in Events: the ids the alert keeps, over first to last seen, and a note that they are its last 100 of 130.
    const link = section.getByRole("link", { name: "Open in Events" });
    const open = new URL(await link.getAttribute("href"), baseURL);
    assert.equal(open.searchParams.get("q"), `_id:(${alert.event_ids.join(" OR ")})`);
    assert.equal(open.searchParams.get("from"), new Date(alert.first_seen).toISOString());
    assert.equal(open.searchParams.get("to"), new Date(new Date(alert.last_seen).getTime() + 1).toISOString());
    assert.ok(open.href.length < 8000, `a usable URL (${open.href.length} characters)`);
    await section.getByText("its last 100 of 130").waitFor();
    const wider = new URL(await section.getByRole("link", { name: "Related activity (wider)" }).getAttribute("href"), baseURL);
    assert.match(wider.searchParams.get("q") ?? "", /related\.user:"carol"/);
    await screenshot(run, "all-events");
    await link.click();
    await page.waitForURL(/\/events\?/);
    await page.locator(".table-toolbar-status").filter({ hasText: /^Showing \d+ of 100,/ }).waitFor();
    await screenshot(run, "alert-in-events");
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });

  step("the rule's own grouping folds one user's transfers from any host into one alert", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules/${ruleId}`);
    const form = page.getByRole("form", { name: "Alert grouping" });
    await form.getByRole("textbox", { name: "Group its alerts by" }).fill("user.name");
    await form.getByRole("combobox", { name: "Fold repeats within" }).selectOption({ label: "1 hour" });
    await form.getByRole("button", { name: "Save grouping" }).click();
    await form.getByRole("button", { name: "Save grouping" }).and(page.locator("[disabled]")).waitFor();
    const saved = await api("GET", `/api/v1/rules/${ruleId}`);
    assert.deepEqual([saved.body.alert_group_by, saved.body.alert_window_minutes], [["user.name"], 60]);
    await screenshot(run, "grouping");
    await send([wire("dave", "81.2.69.170", "payments-1"), wire("dave", "89.160.20.120", "payments-2"), wire("dave", "81.2.69.171", "payments-3")]);
    let daves = [];
    for (let i = 0; i < 100; i++) {
      const list = await api("GET", "/api/v1/alerts?limit=50");
      daves = list.body.alerts.filter((a) => a.entities.users.includes("dave"));
      if (daves.length === 1 && daves[0].count === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(daves.length, 1, JSON.stringify(daves));
    assert.equal(daves[0].count, 3);
    assert.deepEqual(daves[0].entities.hosts, ["payments-1", "payments-2", "payments-3"]);
    assert.deepEqual(daves[0].group, { "user.name": "dave" });
  });
});
