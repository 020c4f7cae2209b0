// End-to-end: detection rules in the browser against a real server. The
// list of EventSec's own pack with its facets and search, the ATT&CK
// coverage matrix and its way back to the list, a rule turned off and on,
// the editor (the server's validation marked at line and column, a rule
// written, tested on sample events, saved, given an exception, backtested
// over events sent through the API, given an exception of two conditions
// that stops a matching event from alerting but not a near miss,
// deleted), a pack imported from a ZIP
// with its report, exported again and imported back unchanged, disabled in
// bulk, and a viewer who reads rules without changing them.

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crc32 } from "node:zlib";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const VIEWER = { email: "vera.viewer@e2e.test", name: "Vera Viewer", password: "Lichen-Orbit-Tundra-73!" };

/** A rule for applications' own events (product eventsec, service application). */
const CANARY = `title: E2E canary login
id: 6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f
status: test
description: An application reported the E2E_CANARY event type.
author: e2e
tags:
  - attack.initial-access
  - attack.t1078
logsource:
  product: eventsec
  service: application
detection:
  selection:
    event_type: E2E_CANARY
  condition: selection
falsepositives:
  - The event type exists only in this test
level: high
`;

const appEvent = (type, user) => ({ event: { dataset: "eventsec.application" }, event_type: type, user, source_ip: "81.2.69.142", message: `${type} for ${user}` });

/** A ZIP of `files` ({name, text}), stored without compression: enough for a rule pack. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, "utf8");
    const data = Buffer.from(f.text, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const PACK_RULE = (n) => `title: E2E pack rule ${n}
id: 0b7c9d2e-1f3a-4b5c-8d6e-${String(n).padStart(12, "0")}
status: experimental
description: Imported by the e2e suite.
logsource:
  product: linux
  service: auth
detection:
  selection:
    user.name: e2e-pack-${n}
  condition: selection
level: low
`;

describe("rules: list, coverage, editor, test, exceptions, import", { timeout: 300_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let ingestKey = "";
  let ruleId = "";
  const step = stepper(it, () => run);

  async function api(method, path, body, auth = token) {
    const headers = { Authorization: `Bearer ${auth}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function dark(on) {
    const toggle = run.page.getByRole("button", { name: "Dark theme" });
    if ((await toggle.getAttribute("aria-pressed")) !== String(on)) await toggle.click();
  }

  /** The "1–50 of N rules" line. */
  async function shownTotal() {
    const status = run.page.getByRole("status").filter({ hasText: / rules?$/ });
    await status.waitFor();
    const m = /of ([\d,]+) rules?$/.exec(await status.innerText());
    assert.ok(m, "the list says how many rules");
    return Number(m[1].replace(/,/g, ""));
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("rules-")) rmSync(join(artifacts, f));
    run = await start("rules");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("the list shows EventSec's own pack, as many rules as the API counts", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rules" }).click();
    await page.getByRole("heading", { level: 1, name: "Detection rules" }).waitFor();
    const table = page.getByRole("table", { name: "Detection rules" });
    await table.waitFor();
    const all = await api("GET", "/api/v1/rules?limit=1");
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.ok(all.body.total > 0, "a fresh server has EventSec's pack");
    assert.equal(await shownTotal(), all.body.total);
    assert.equal(await table.getByRole("row").count(), Math.min(50, all.body.total) + 1);
    assert.equal(page.url(), `${baseURL}/rules`);
    await screenshot(run, "list");
    await dark(true);
    await screenshot(run, "list-dark");
    await dark(false);
  });

  step("a level filter and a search narrow the list, in the URL too", async ({ page }) => {
    const high = await api("GET", "/api/v1/rules?level=high&limit=1");
    const level = page.getByRole("combobox", { name: "Level" });
    const option = await level.getByRole("option", { name: /^High \(/ }).innerText();
    assert.equal(option, `High (${high.body.facets.level.high})`);
    await level.selectOption("high");
    await page.waitForURL(/level=high/);
    await page.getByRole("status").filter({ hasText: new RegExp(`of ${high.body.total.toLocaleString("en-US")} rules?$`) }).waitFor();
    const badges = await page.getByRole("table", { name: "Detection rules" }).locator("tbody .sev").allInnerTexts();
    assert.ok(badges.length > 0);
    for (const b of badges) assert.equal(b.trim().toLowerCase(), "high");
    await level.selectOption("");
    await page.waitForURL((url) => !url.searchParams.has("level"));
    await page.getByRole("searchbox", { name: "Search rules" }).fill("brute");
    await page.waitForURL(/q=brute/);
    const found = await api("GET", "/api/v1/rules?q=brute&limit=1");
    assert.ok(found.body.total > 0, "the pack has brute-force rules");
    await page.getByRole("status").filter({ hasText: new RegExp(`of ${found.body.total} rules?$`) }).waitFor();
    await screenshot(run, "search");
    await page.getByRole("button", { name: "Clear search and filters" }).click();
    await page.waitForURL((url) => url.search === "");
  });

  step("ATT&CK coverage draws the matrix; a cell opens its technique's rules", async ({ page }) => {
    await page.getByRole("link", { name: "ATT&CK coverage" }).click();
    await page.waitForURL(/\/rules\/coverage$/);
    const cov = await api("GET", "/api/v1/rules/coverage");
    assert.equal(cov.status, 200);
    const matrix = page.getByRole("region", { name: "ATT&CK Enterprise matrix" });
    await matrix.waitFor();
    assert.equal(await matrix.getByRole("heading", { level: 2 }).count(), cov.body.tactics.length);
    await page.getByText(`/ ${cov.body.techniques_total.toLocaleString("en-US")}`).first().waitFor();
    const covered = cov.body.tactics.flatMap((t) => t.techniques).find((x) => x.enabled > 0);
    assert.ok(covered, "some technique has an enabled rule");
    await screenshot(run, "coverage");
    await dark(true);
    await screenshot(run, "coverage-dark");
    await dark(false);
    // 15 tactics do not fit 1440 pixels: the page says which are in view, and the cell is a link.
    await page.getByRole("status").filter({ hasText: /^Tactics 1–\d+ of \d+ in view: scroll sideways for the others\.$/ }).waitFor();
    await page.getByRole("button", { name: "Later tactics →" }).click();
    await page.getByRole("status").filter({ hasText: /^Tactics [2-9]\d*–/ }).waitFor();
    await screenshot(run, "coverage-scrolled");
    const cell = matrix.getByRole("link", { name: new RegExp(`^${covered.id} `) }).first();
    assert.equal(await cell.getAttribute("href"), `/rules?technique=${covered.id}`);
    await cell.click();
    await page.waitForURL(new RegExp(`/rules\\?technique=${covered.id.replace(".", "\\.")}$`));
    const tagged = await api("GET", `/api/v1/rules?technique=${covered.id}&limit=1`);
    assert.ok(tagged.body.total >= covered.rules, `${covered.id}: ${tagged.body.total} rules listed, ${covered.rules} counted`);
    assert.equal(await shownTotal(), tagged.body.total);
    await page.getByText(`Technique ${covered.id}`).waitFor();
  });

  step("the Technique field takes an ID or a name, and the list fits 1366x768 and 1920x1080", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules`);
    const field = page.getByRole("combobox", { name: "Technique" });
    const cov = (await api("GET", "/api/v1/rules/coverage")).body;
    const covered = cov.tactics.flatMap((t) => t.techniques).filter((x) => x.rules > 0);
    const [first, second] = covered;
    assert.ok(first && second, "EventSec's pack covers at least two techniques");
    // The matrix's techniques are suggested, once the page has read the coverage.
    const options = page.locator(`datalist[id="${await field.getAttribute("list")}"] option[value="${first.id}"]`);
    await options.waitFor({ state: "attached" });
    const suggested = await page.locator(`datalist[id="${await field.getAttribute("list")}"] option`).evaluateAll((os) => os.map((o) => o.value));
    assert.ok(suggested.includes(first.id) && suggested.includes(second.id), "the covered techniques are suggested");
    await field.fill(first.id.toLowerCase());
    await field.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("technique") === first.id);
    const listed = (n) => page.getByRole("status").filter({ hasText: new RegExp(`of ${n.toLocaleString("en-US")} rules?$`) }).waitFor();
    await listed((await api("GET", `/api/v1/rules?technique=${first.id}&limit=1`)).body.total);
    // By its name, as the matrix names it, in any case.
    await field.fill(second.name.toUpperCase());
    await field.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("technique") === second.id);
    await listed((await api("GET", `/api/v1/rules?technique=${second.id}&limit=1`)).body.total);
    assert.equal(await field.inputValue(), second.id);
    await field.fill("no such technique zzz");
    await field.press("Enter");
    await page.getByRole("alert").filter({ hasText: "No ATT&CK technique is named “no such technique zzz”" }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get("technique"), second.id, "a name that is no technique changes nothing");
    await field.fill("");
    await field.press("Enter");
    await page.waitForURL((url) => !url.searchParams.has("technique"));

    const tactic = cov.tactics.find((t) => t.shortname === "credential-access") ?? cov.tactics[0];
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${baseURL}/rules?tactic=${tactic.shortname}&level=high`);
      await page.getByRole("table", { name: "Detection rules" }).waitFor();
      const layout = await page.evaluate(() => {
        const wrap = document.querySelector(".rules-list .table-wrap");
        const table = wrap?.querySelector("table");
        const last = [...(table?.querySelectorAll("th") ?? [])].at(-1);
        // Each filter at least as wide as its longest choice: none cut.
        const cut = [...document.querySelectorAll(".rule-filters select")].filter((s) => {
          const probe = s.cloneNode(true);
          probe.style.width = "auto";
          probe.style.position = "absolute";
          s.parentElement?.append(probe);
          const natural = probe.getBoundingClientRect().width;
          probe.remove();
          return s.getBoundingClientRect().width + 1 < Math.min(natural, 280);
        });
        return {
          fits: (table?.scrollWidth ?? Infinity) <= (wrap?.clientWidth ?? 0) && document.documentElement.scrollWidth <= window.innerWidth,
          lastHeader: last?.textContent ?? "",
          lastInside: (last?.getBoundingClientRect().right ?? Infinity) <= (wrap?.getBoundingClientRect().right ?? 0),
          cut: cut.map((s) => s.id),
        };
      });
      assert.ok(layout.fits, `the rules table fits ${width}px without scrolling sideways`);
      assert.ok(layout.lastInside && layout.lastHeader === "Enabled", `the last header is whole at ${width}px: ${JSON.stringify(layout)}`);
      assert.deepEqual(layout.cut, [], `no filter is cut at ${width}px`);
      await screenshot(run, `list-filtered-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${baseURL}/rules`);
    await page.getByRole("table", { name: "Detection rules" }).waitFor();
  });

  step("a rule is turned off and on again from its row", async ({ page }) => {
    const row = page.getByRole("table", { name: "Detection rules" }).getByRole("row").nth(1);
    const sw = row.getByRole("switch");
    const name = (await sw.getAttribute("aria-label")).replace(/^Enabled: /, "");
    const id = (await row.getByRole("link").first().getAttribute("href")).replace("/rules/", "");
    assert.equal(await sw.getAttribute("aria-checked"), "true");
    await sw.click();
    await page.getByRole("switch", { name: `Enabled: ${name}` }).and(page.locator('[aria-checked="false"]:not([disabled])')).waitFor();
    assert.equal((await api("GET", `/api/v1/rules/${id}`)).body.enabled, false);
    await page.getByRole("switch", { name: `Enabled: ${name}` }).click();
    await page.getByRole("switch", { name: `Enabled: ${name}` }).and(page.locator('[aria-checked="true"]:not([disabled])')).waitFor();
    assert.equal((await api("GET", `/api/v1/rules/${id}`)).body.enabled, true);
  });

  step("the editor starts from a valid template and marks the server's error at its line", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules`);
    await page.getByRole("link", { name: "New rule" }).click();
    await page.waitForURL(/\/rules\/new$/);
    const editor = page.getByRole("textbox", { name: "Rule source (Sigma YAML)" });
    await editor.waitFor();
    await page.getByRole("status").filter({ hasText: /^Valid$/ }).waitFor();
    await page.getByRole("heading", { level: 1, name: "Shell started by a web server" }).waitFor();
    await screenshot(run, "editor-template");
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.insertText("detection: [unclosed\n");
    await page.getByRole("status").filter({ hasText: /problems?$/ }).waitFor();
    const problems = page.getByRole("list", { name: "Problems" });
    const first = await problems.getByRole("button").first().innerText();
    assert.match(first, /^(\d+:\d+|line \d+)/, `a problem with its position: ${first}`);
    assert.ok((await page.locator(".cm-lintRange-error").count()) > 0, "the error is marked in the text");
    assert.equal(await page.getByRole("button", { name: "Create rule" }).isDisabled(), true);
    // The panel says it is read from a text the server refused.
    await page.getByRole("region", { name: "The rule" }).getByRole("note").filter({ hasText: /^The rule has errors/ }).waitFor();
    await screenshot(run, "editor-error");
    await dark(true);
    await screenshot(run, "editor-error-dark");
    await dark(false);
  });

  step("a rule written in the editor names its ATT&CK technique and matches a sample event", async ({ page }) => {
    const editor = page.getByRole("textbox", { name: "Rule source (Sigma YAML)" });
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(CANARY);
    await page.getByRole("heading", { level: 1, name: "E2E canary login" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^Valid$/ }).waitFor();
    const facts = page.getByRole("region", { name: "The rule" });
    await facts.getByText("Valid Accounts").waitFor();
    await facts.getByText("Initial Access").waitFor();

    const test = page.getByRole("region", { name: "Test" });
    await test.getByRole("tab", { name: "Sample events" }).click();
    await test.getByRole("textbox", { name: "Sample events" }).fill(
      [JSON.stringify(appEvent("E2E_CANARY", "alice")), JSON.stringify(appEvent("LOGIN_SUCCESS", "alice")), "<38>Nov 23 10:00:00 web-1 sshd[1]: Accepted publickey for bob"].join("\n"),
    );
    await test.getByRole("button", { name: "Run on samples" }).click();
    const result = test.getByRole("region", { name: "Test result" });
    await result.waitFor();
    assert.match(await result.innerText(), /Events scanned\s*3/i);
    assert.match(await result.innerText(), /Events matched\s*1/i);
    await result.getByRole("button", { name: /^Open matching event/ }).click();
    const drawer = page.getByRole("dialog", { name: "Matching event" });
    await drawer.getByText("alice").first().waitFor();
    await screenshot(run, "editor-sample-match");
    await drawer.getByRole("button", { name: "Close" }).click();
  });

  step("saving creates the rule and opens it", async ({ page }) => {
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.waitForURL(/\/rules\/[0-9a-f-]{36}$/);
    ruleId = new URL(page.url()).pathname.split("/").pop();
    assert.equal(ruleId, "6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f", "the rule keeps its Sigma id");
    await page.getByText(/^Rule created\./).waitFor();
    const saved = await api("GET", `/api/v1/rules/${ruleId}`);
    assert.equal(saved.status, 200);
    assert.equal(saved.body.title, "E2E canary login");
    assert.equal(saved.body.enabled, true);
    assert.equal(saved.body.source, CANARY);
    await page.getByRole("switch", { name: "Enabled: E2E canary login" }).waitFor();
  });

  step("an exception needs a reason; with one it is listed with its owner", async ({ page }) => {
    const section = page.getByRole("region", { name: "Exceptions" });
    await section.getByText("No exceptions").waitFor();
    const form = section.getByRole("form", { name: "Add an exception" });
    await form.getByLabel("Field").fill("user.name");
    await form.getByLabel("Value").fill("svc_backup");
    await form.getByRole("button", { name: "Add exception" }).click();
    await form.getByText(/Give a reason/).waitFor();
    await form.getByLabel("Reason").fill("The nightly backup job");
    await form.getByRole("button", { name: "Add exception" }).click();
    const table = section.getByRole("table", { name: "Exceptions of this rule" });
    await table.getByRole("cell", { name: "The nightly backup job" }).waitFor();
    const listed = await api("GET", `/api/v1/rules/${ruleId}/exceptions`);
    assert.equal(listed.body.exceptions.length, 1);
    assert.equal(listed.body.exceptions[0].reason, "The nightly backup job");
    // The owner is shown by name, never by user id.
    const ownerName = listed.body.exceptions[0].owner_name;
    assert.ok(ownerName, JSON.stringify(listed.body.exceptions[0]));
    await table.getByRole("cell", { name: ownerName }).waitFor();
    assert.equal(await table.getByRole("cell", { name: listed.body.exceptions[0].owner, exact: true }).count(), 0);
    await screenshot(run, "editor-exception");
  });

  step("a backtest finds the events sent through the API", async ({ page }) => {
    const key = await api("POST", "/api/v1/api-keys", { name: "e2e app", role: "ingest", expires_in_days: 0 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ingestKey = key.body.key;
    const sent = await api("POST", "/api/v1/events", [appEvent("E2E_CANARY", "carol"), appEvent("E2E_CANARY", "dave"), appEvent("LOGIN_SUCCESS", "carol")], ingestKey);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    for (let i = 0; i < 50; i++) {
      const n = await api("GET", "/api/v1/events?from=now-1h&size=1&query=E2E_CANARY");
      if (n.body.total >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const test = page.getByRole("region", { name: "Test" });
    await test.getByRole("tab", { name: "Backtest" }).click();
    await test.getByRole("button", { name: "1 h" }).click();
    await test.getByRole("button", { name: "Run backtest" }).click();
    const result = test.getByRole("region", { name: "Test result" });
    await result.getByText(/^Backtest over the last hour/).waitFor();
    assert.match(await result.innerText(), /Events matched\s*2/i);
    assert.equal(await result.getByRole("table", { name: "Matching events" }).getByRole("row").count(), 3);
    await screenshot(run, "editor-backtest");
  });

  step("a retro-hunt runs the saved rule over history in the background and reports what it found", async ({ page }) => {
    const hunt = page.getByRole("region", { name: "Retro-hunt" });
    await hunt.getByRole("button", { name: "24 h" }).click();
    await hunt.getByRole("button", { name: "Start retro-hunt" }).click();
    const status = hunt.getByRole("status", { name: "Retro-hunt status" });
    await status.getByText(/^Done: [\d,]+ events scanned, 2 matched; it would have raised 2 alerts/).waitFor({ timeout: 30_000 });
    const jobs = await api("GET", "/api/v1/retrohunts");
    assert.equal(jobs.status, 200);
    assert.equal(jobs.body.retrohunts[0].rule_id, ruleId);
    assert.equal(jobs.body.retrohunts[0].status, "done");
    await screenshot(run, "editor-retrohunt");
  });

  step("an exception of two conditions stops a matching event from alerting while a near miss still does", async ({ page }) => {
    const section = page.getByRole("region", { name: "Exceptions" });
    const form = section.getByRole("form", { name: "Add an exception" });
    const first = form.getByRole("group", { name: "Condition 1" });
    await first.getByLabel("Field").fill("user.name");
    await first.getByLabel("Value").fill("erin");
    await form.getByRole("button", { name: "Add condition" }).click();
    const second = form.getByRole("group", { name: "Condition 2" });
    await second.getByLabel("Field").fill("source.ip");
    await second.getByLabel("Operator").selectOption("in");
    await second.getByLabel("Values").fill("81.2.69.142\n81.2.69.143");
    await form.getByLabel("Reason").fill("Erin's scanner host");
    await form.getByRole("button", { name: "Add exception" }).click();
    const table = section.getByRole("table", { name: "Exceptions of this rule" });
    const row = table.getByRole("row").filter({ hasText: "Erin's scanner host" });
    await row.getByText("AND source.ip is one of 81.2.69.142, 81.2.69.143").waitFor();
    await row.getByText("user.name is erin").waitFor();
    const listed = await api("GET", `/api/v1/rules/${ruleId}/exceptions`);
    const made = listed.body.exceptions.find((x) => x.reason === "Erin's scanner host");
    assert.deepEqual(made.conditions, [
      { field: "user.name", operator: "equals", value: "erin" },
      { field: "source.ip", operator: "in", values: ["81.2.69.142", "81.2.69.143"] },
    ]);
    await screenshot(run, "editor-exception-two-conditions");

    // Both conditions hold: no alert. Sent first, so that the near miss's
    // alert shows the excepted event was already evaluated.
    const excepted = await api("POST", "/api/v1/events", [appEvent("E2E_CANARY", "erin")], ingestKey);
    assert.equal(excepted.status, 202, JSON.stringify(excepted.body));
    const nearMiss = { ...appEvent("E2E_CANARY", "erin"), source_ip: "81.2.69.200" };
    const sent = await api("POST", "/api/v1/events", [nearMiss], ingestKey);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    let erin = [];
    for (let i = 0; i < 100 && !erin.some((a) => a.entities.ips.includes("81.2.69.200")); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const alerts = await api("GET", `/api/v1/alerts?rule=${ruleId}&limit=100`);
      assert.equal(alerts.status, 200, JSON.stringify(alerts.body));
      erin = alerts.body.alerts.filter((a) => a.entities.users.includes("erin"));
    }
    assert.ok(erin.some((a) => a.entities.ips.includes("81.2.69.200")), "the near miss (another address) raised an alert");
    assert.ok(!erin.some((a) => a.entities.ips.includes("81.2.69.142")), `the excepted event raised no alert: ${JSON.stringify(erin)}`);
    const audit = await api("GET", "/api/v1/audit?action=rule.exception.create&limit=5");
    assert.ok(
      audit.body.items.some((e) => e.summary.includes('user.name equals "erin" AND source.ip in ["81.2.69.142", "81.2.69.143"]')),
      JSON.stringify(audit.body.items.map((e) => e.summary)),
    );
  });

  step("a ZIP pack is imported with its report: loaded, not imported at line and column, skipped", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules`);
    await page.getByRole("button", { name: "Import pack" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Import a rule pack" });
    const pack = zip([
      { name: "rules/one.yml", text: PACK_RULE(1) },
      { name: "rules/two.yml", text: PACK_RULE(2) },
      { name: "rules/broken.yml", text: "title: Broken\nlogsource:\n  product: linux\ndetection:\n  sel:\n    a|nosuchmodifier: 1\n  condition: sel\n" },
      { name: "README.md", text: "not a rule" },
    ]);
    await dialog.getByLabel("Rule pack").setInputFiles({ name: "e2e-pack.zip", mimeType: "application/zip", buffer: pack });
    await dialog.getByLabel("File the rules under").selectOption("sigmahq");
    await dialog.getByRole("button", { name: "Import" }).click();
    const report = dialog.getByRole("region", { name: "Import report" });
    await report.waitFor();
    const counts = await report.locator("dl").first().innerText();
    assert.match(counts, /Loaded\s*2/i);
    assert.match(counts, /Not imported\s*1/i);
    const where = await report.getByRole("table", { name: "Files not imported" }).getByRole("cell").first().innerText();
    assert.match(where, /^rules\/broken\.yml:\d+(:\d+)?$/);
    await report.getByText(/Skipped \(1\)/).waitFor();
    await screenshot(run, "import-report");
    await dialog.getByRole("button", { name: "Done" }).click();
    const pk = await api("GET", "/api/v1/rules?pack=sigmahq&q=E2E%20pack&limit=10");
    assert.equal(pk.body.total, 2);
    await page.getByRole("searchbox", { name: "Search rules" }).fill("E2E pack");
    await page.getByRole("link", { name: "E2E pack rule 1" }).waitFor();
  });

  step("the pack exports as a ZIP that imports back unchanged, and is disabled in bulk", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules?pack=sigmahq`);
    const table = page.getByRole("table", { name: "Detection rules" });
    await table.getByRole("link", { name: "E2E pack rule 1" }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export" }).click()]);
    assert.match(download.suggestedFilename(), /^eventsec-rules-\d{8}-\d{6}\.zip$/);
    const file = join(artifacts, "rules-export.zip");
    await download.saveAs(file);
    const data = readFileSync(file);
    // Entry names are stored uncompressed: one per rule under its pack, and the manifest.
    const text = data.toString("latin1");
    for (const name of ["manifest.json", "sigmahq/e2e_pack_rule_1.yml", "sigmahq/e2e_pack_rule_2.yml"]) assert.ok(text.includes(name), `the export has ${name}`);
    await page.getByText(/^Saved eventsec-rules-.*\.zip/).waitFor();
    const form = new FormData();
    form.append("file", new Blob([data], { type: "application/zip" }), "rules-export.zip");
    const back = await fetch(`${run.baseURL}/api/v1/rules/import`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
    const report = await back.json();
    assert.equal(back.status, 200, JSON.stringify(report));
    assert.deepEqual([report.loaded, report.updated, report.unchanged, report.failed.length, report.conflicts.length], [0, 0, 2, 0, 0], JSON.stringify(report));
    // What cannot run is about this import's rules only.
    for (const n of report.not_runnable) assert.match(n.file, /^sigmahq\//, JSON.stringify(report.not_runnable));

    await page.getByRole("checkbox", { name: "Select all rules on this page" }).check();
    const bar = page.getByRole("region", { name: "Bulk actions on rules" });
    await bar.getByText("2 rules selected").waitFor();
    await screenshot(run, "bulk-selected");
    await page.setViewportSize({ width: 1366, height: 768 });
    await screenshot(run, "bulk-selected-1366");
    await page.setViewportSize({ width: 1440, height: 900 });
    await bar.getByRole("button", { name: "Disable" }).click();
    await bar.getByRole("status").filter({ hasText: "Disabled 2 rules." }).waitFor();
    const off = await api("GET", "/api/v1/rules?pack=sigmahq&enabled=false&limit=10");
    assert.equal(off.body.total, 2);
    assert.equal(await table.getByRole("switch", { name: "Enabled: E2E pack rule 1" }).getAttribute("aria-checked"), "false");
    await screenshot(run, "bulk-disabled");
    const audit = await api("GET", "/api/v1/audit?action=rule.bulk.disable&limit=5");
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.equal(audit.body.items.length, 1, JSON.stringify(audit.body));
  });

  step("a viewer reads rules but cannot change them", async ({ page, baseURL }) => {
    const created = await api("POST", "/api/v1/users", { ...VIEWER, role: "viewer", team: "", manager: "", computer: "", mobile_phone: "" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await logIn(run, VIEWER);
    await page.goto(`${baseURL}/rules`);
    await page.getByRole("table", { name: "Detection rules" }).waitFor();
    await page.getByText("View only: your role cannot change rules.").waitFor();
    assert.equal(await page.getByRole("link", { name: "New rule" }).count(), 0);
    assert.equal(await page.getByRole("switch").first().isDisabled(), true);
    await page.goto(`${baseURL}/rules/${ruleId}`);
    await page.getByRole("heading", { level: 1, name: "E2E canary login" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Save changes" }).count(), 0);
    assert.equal(await page.getByRole("textbox", { name: "Rule source (Sigma YAML)" }).getAttribute("contenteditable"), "false");
    await screenshot(run, "viewer-editor");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await logIn(run, ADMIN);
  });

  step("a JSON rule sent on one line is kept as sent, and the editor marks its errors on their values", async ({ page, baseURL }) => {
    const rule = {
      name: "E2E one-line JSON",
      severity: "low",
      conditions: [
        { field: "eventType", operator: "equals", value: "E2E_ONE_LINE" },
        { field: "service", operator: "equals", value: "billing" },
      ],
    };
    const sent = JSON.stringify(rule);
    const created = await api("POST", "/api/alerts/rules", rule);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.source, sent, "stored byte for byte");
    assert.deepEqual(created.body.warnings, []);
    await page.goto(`${baseURL}/rules/${encodeURIComponent(created.body.id)}`);
    await page.getByRole("heading", { level: 1, name: "E2E one-line JSON" }).waitFor();
    const editor = page.getByRole("textbox", { name: "Rule source (JSON)" });
    assert.equal((await editor.innerText()).trim(), sent);
    const bad = sent.replace('"low"', '"hgh"').replace('"operator":"equals","value":"billing"', '"operator":"equalz","value":"billing"');
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(bad);
    await page.getByRole("status").filter({ hasText: /2 problems$/ }).waitFor();
    const marked = page.locator(".cm-lintRange-error");
    await marked.nth(1).waitFor();
    assert.deepEqual(await marked.allInnerTexts(), ['"hgh"', '"equalz"'], "each error marks its value, not the rest of the line");
    const problems = await page.getByRole("list", { name: "Problems" }).getByRole("button").allInnerTexts();
    assert.match(problems[0], new RegExp(`^1:${bad.indexOf('"hgh"') + 1}\\b`), problems[0]);
    await screenshot(run, "editor-json-one-line");
    // Back to what is stored: nothing to save.
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(sent);
    await page.getByRole("status").filter({ hasText: /^Valid$/ }).waitFor();
    assert.equal((await api("DELETE", `/api/v1/rules/${encodeURIComponent(created.body.id)}`)).status, 204);
  });

  step("the rule is deleted after asking", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules/${ruleId}`);
    await page.getByRole("heading", { level: 1, name: "E2E canary login" }).waitFor();
    await page.getByRole("button", { name: "Delete rule" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this rule?" });
    await dialog.getByRole("button", { name: "Delete rule" }).click();
    await page.waitForURL(/\/rules$/);
    assert.equal((await api("GET", `/api/v1/rules/${ruleId}`)).status, 404);
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });
});
