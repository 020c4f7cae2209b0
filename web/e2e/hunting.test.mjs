// End-to-end: KQL hunting in the browser against a real server. Windows
// Security events go in through the API (an ingest key); Hunting opens with
// the seed's example; a query typed in the editor runs with Ctrl+Enter and
// shows its rows, the timeline per hour and a row as JSON; a syntax error
// is marked in the editor at the server's line and column; a query is
// saved as a template for the organisation and reopened; a query is
// reopened from the history; the result is exported as CSV; the seed's
// /advanced-search leads to Hunting.

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const EXAMPLE = 'SecurityEvent | where severity == "high" and message contains "phish" | limit 50';

const HUNT = `SecurityEvent
| where severity == "high" and message contains "phish"
| project TimeGenerated, Computer, Account, message, EventData
| sort by TimeGenerated desc
| limit 50`;

const SAVED_NAME = "E2E phishing on workstations";

/** A Windows Security event (4688, a process start) `minutes` ago, as ECS JSON. */
function securityEvent(minutes, message, severity, computer, user) {
  return {
    "@timestamp": new Date(Date.now() - minutes * 60_000).toISOString(),
    message,
    event: { severity, code: "4688", action: "process-created" },
    winlog: { channel: "Security", event_id: 4688, computer_name: computer, event_data: { NewProcessName: "C:\\Windows\\System32\\cmd.exe" } },
    host: { name: computer },
    user: { name: user, domain: "CORP" },
  };
}

// Three high-severity phishing events in three different hours, and others that the hunt must not return.
const EVENTS = [
  securityEvent(5, "Phishing link opened from mail by bob", 80, "ws-7", "bob"),
  securityEvent(65, "phish attachment started cmd.exe", 75, "ws-8", "carol"),
  securityEvent(125, "Known phish domain resolved", 90, "ws-7", "bob"),
  securityEvent(20, "phish report submitted", 30, "ws-9", "dave"),
  securityEvent(15, "Scheduled task created", 80, "ws-9", "dave"),
];
const HUNTED = 3;

describe("hunting: KQL in the workbench against real events", { timeout: 300_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
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

  const editor = () => run.page.getByRole("textbox", { name: "KQL query" });

  /** Replaces the editor's text as a user would: select all, then type. */
  async function typeQuery(text) {
    await editor().click();
    await run.page.keyboard.press("Control+A");
    await run.page.keyboard.insertText(text);
    // A completion list may be open after typing: close it, as a user would.
    await run.page.keyboard.press("Escape");
  }

  const results = () => run.page.getByRole("region", { name: "Results" });

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("hunting-")) rmSync(join(artifacts, f));
    run = await start("hunting");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    const key = await api("POST", "/api/v1/api-keys", { name: "e2e windows", role: "ingest", expires_in_days: 0 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const sent = await api("POST", "/api/v1/events", EVENTS, key.body.key);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    for (let i = 0; i < 50; i++) {
      const n = await api("GET", "/api/v1/events?from=now-24h&size=1");
      if (n.body.total >= EVENTS.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("Hunting opens from the navigation with the seed's example and the schema", async ({ page }) => {
    await logIn(run, ADMIN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Hunting" }).click();
    await page.getByRole("heading", { level: 1, name: "Hunting" }).waitFor();
    await editor().waitFor();
    assert.equal(await editor().innerText(), EXAMPLE);
    const side = page.getByRole("complementary", { name: "Schema, history and saved queries" });
    await side.getByRole("button", { name: "Insert table SecurityEvent" }).waitFor();
    await side.getByRole("button", { name: "Columns of SecurityEvent" }).click();
    await side.getByRole("button", { name: "Insert column Computer (string)" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^Valid$/ }).waitFor();
    await screenshot(run, "example");
  });

  step("a query typed in the editor runs with Ctrl+Enter: rows, the timeline per hour, a row as JSON", async ({ page }) => {
    await typeQuery(HUNT);
    await page.keyboard.press("Control+Enter");
    const table = results().getByRole("table", { name: "Query results" });
    await table.waitFor();
    assert.equal(await table.getByRole("row").count(), HUNTED + 1, "a header and one row per phishing event");
    const headers = await table.getByRole("columnheader").allInnerTexts();
    assert.deepEqual(
      headers.map((h) => h.replace(/\s+/g, " ").trim()),
      ["Row", "TimeGenerated datetime", "Computer string", "Account string", "message string", "EventData dynamic"],
    );
    await table.getByRole("cell", { name: "Phishing link opened from mail by bob", exact: true }).waitFor();
    assert.equal(await table.getByRole("cell", { name: "Scheduled task created", exact: true }).count(), 0, "a low-severity or unrelated event is not returned");
    assert.match(await results().getByRole("status").filter({ hasText: / rows? · / }).innerText(), new RegExp(`^${HUNTED} rows · `));
    // The timeline: the last 24 hours, an hour a bar; the rows fall in three of them.
    const timeline = results().getByRole("figure", { name: "Rows per hour" });
    await timeline.waitFor();
    const labels = await timeline.getByRole("img").evaluateAll((bars) => bars.map((b) => b.getAttribute("aria-label") ?? ""));
    assert.ok(labels.length >= 24, `a bar per hour: ${labels.length}`);
    const counts = labels.map((l) => Number(/: (\d+) rows?$/.exec(l)?.[1] ?? "NaN"));
    assert.equal(counts.reduce((a, b) => a + b, 0), HUNTED);
    assert.equal(counts.filter((c) => c > 0).length, 3, `three hours with rows: ${labels.filter((l) => !l.endsWith(": 0 rows")).join("; ")}`);
    // The URL keeps the query.
    assert.equal(new URL(page.url()).searchParams.get("q"), HUNT);
    await results().getByRole("button", { name: "Row 1 as JSON" }).click();
    const viewer = results().getByRole("region", { name: "Row 1" });
    await viewer.getByText("EventData").waitFor();
    // Row 1 is the newest (the query sorts; without a sort KQL gives no order).
    await viewer.getByText('"ws-7"').first().waitFor();
    await screenshot(run, "results");
    await dark(true);
    await screenshot(run, "results-dark");
    await dark(false);
  });

  step("a syntax error is marked in the editor at the server's line and column", async ({ page }) => {
    await typeQuery('SecurityEvent\n| wher severity == "high"');
    // Checked as it is typed: the problem listed and underlined.
    const problems = page.getByRole("list", { name: "Problems" });
    await problems.waitFor();
    assert.match(await problems.getByRole("button").first().innerText(), /^2:3\s+unknown query operator "wher"/);
    await page.locator(".cm-lintRange-error").first().waitFor();
    assert.equal(await page.locator(".cm-lintRange-error").first().innerText(), "wher");
    // Run anyway: the server's 400 says the same, at the same place.
    await page.keyboard.press("Control+Enter");
    const alert = results().getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Syntax error at line 2, column 3: unknown query operator "wher"/);
    assert.equal(await results().getByRole("table").count(), 0);
    await screenshot(run, "syntax-error");
  });

  step("a query saved as a template for the organisation, and reopened", async ({ page }) => {
    await typeQuery(HUNT);
    await page.getByRole("status").filter({ hasText: /^Valid$/ }).waitFor();
    await page.getByRole("button", { name: "Save query…" }).click();
    const dialog = page.getByRole("dialog", { name: "Save query" });
    await dialog.getByLabel("Name").fill(SAVED_NAME);
    await dialog.getByLabel("Description").fill("High-severity phishing on Windows workstations, last 24 hours.");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Saved as “${SAVED_NAME}”, shared with your organisation.`).waitFor();
    const saved = await api("GET", "/api/v1/search/kql/saved");
    assert.deepEqual(
      saved.body.items.map((q) => [q.name, q.query, q.created_by_email]),
      [[SAVED_NAME, HUNT, ADMIN.email]],
    );
    // Something else in the editor, then the template back.
    await typeQuery("Syslog | take 1");
    await page.getByRole("tab", { name: "Saved" }).click();
    const item = page.getByRole("list", { name: "Saved queries" }).getByRole("listitem", { name: SAVED_NAME });
    await item.getByText(ADMIN.email).waitFor();
    await item.getByRole("button", { name: `Open ${SAVED_NAME}` }).click();
    assert.equal(await editor().innerText(), HUNT);
    await page.getByText(/^Saved query/).filter({ hasText: SAVED_NAME }).waitFor();
    await page.keyboard.press("Control+Enter");
    await results().getByRole("table", { name: "Query results" }).waitFor();
    await screenshot(run, "saved");
  });

  step("a query reopened from the history", async ({ page }) => {
    await typeQuery("SecurityEvent | summarize count() by Computer");
    await page.getByRole("tab", { name: "History" }).click();
    const history = page.getByRole("list", { name: "Your recent queries" });
    await history.waitFor();
    // Newest first: the saved query's run, then the refused one, then the first hunt.
    const failed = history.getByRole("listitem").filter({ hasText: "wher severity" });
    await failed.getByText("Failed").waitFor();
    const first = history.getByRole("listitem").filter({ hasText: "Account, message, EventData" }).first();
    assert.match(await first.innerText(), new RegExp(`${HUNTED} rows`));
    await first.getByRole("button").click();
    assert.equal(await editor().innerText(), HUNT);
    await page.keyboard.press("Control+Enter");
    await results().getByRole("table", { name: "Query results" }).waitFor();
    assert.equal(await results().getByRole("table", { name: "Query results" }).getByRole("row").count(), HUNTED + 1);
    await screenshot(run, "history");
  });

  step("the result is exported as CSV in the browser", async ({ page }) => {
    const [download] = await Promise.all([page.waitForEvent("download"), results().getByRole("button", { name: "Export CSV" }).click()]);
    assert.match(download.suggestedFilename(), /^eventsec-hunting-\d{8}-\d{6}\.csv$/);
    const file = join(artifacts, "hunting-export.csv");
    await download.saveAs(file);
    const lines = readFileSync(file, "utf8").trimEnd().split("\r\n");
    assert.equal(lines[0], "TimeGenerated,Computer,Account,message,EventData");
    assert.equal(lines.length, HUNTED + 1);
    assert.ok(lines.some((l) => l.includes("Phishing link opened from mail by bob")));
    rmSync(file);
  });

  step("the seed's /advanced-search leads to Hunting", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/advanced-search`);
    await page.getByRole("heading", { level: 1, name: "Hunting" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/hunting");
    assert.deepEqual(run.pageErrors.map(String), []);
  });
});
