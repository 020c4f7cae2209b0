// End-to-end: threat intel on a real server, in Chromium. An analyst adds
// an indicator on the Threat Intel page; an event that matches it is sent
// through POST /api/v1/events; the built-in rule "Threat Intelligence
// Indicator Match" raises an alert (API and Alerts page) and the sighting is
// on the Sightings tab. Then a list is imported with a per-record report,
// and a feed served by a local HTTP server is subscribed to and run.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const BAD_IP = "198.51.100.66";

describe("threat intel: indicator, matching event, alert and sighting", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let ingestKey = "";
  /** @type {import("node:http").Server | undefined} */
  let feedServer;
  let feedURL = "";
  let feedHits = 0;
  const step = stepper(it, () => run);

  async function api(method, path, body, auth = token) {
    const headers = { Authorization: `Bearer ${auth}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function until(what, fn, ms = 15_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("intel-")) rmSync(join(artifacts, f));
    run = await start("intel");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    const key = await api("POST", "/api/v1/api-keys", { name: "proxy logs", role: "ingest", expires_in_days: 0 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ingestKey = key.body.key;
    // A feed on a real local HTTP server, with an ETag.
    feedServer = createServer((req, res) => {
      feedHits++;
      if (req.headers["if-none-match"] === '"list-1"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain", ETag: '"list-1"' }).end("# e2e feed\n203.0.113.50\nfeed-bad.example\n");
    });
    await new Promise((r) => feedServer.listen(0, "127.0.0.1", r));
    const address = feedServer.address();
    feedURL = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/list.txt`;
  });

  after(async () => {
    feedServer?.close();
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("the Threat Intel page is built and starts empty", async ({ page }) => {
    await logIn(run, ADMIN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Threat Intel" }).click();
    await page.getByRole("heading", { level: 1, name: "Threat Intel" }).waitFor();
    await page.getByRole("region", { name: "Active indicators" }).getByText("None yet: add or import some").waitFor();
    await page.getByText("No indicators match.").waitFor();
    await screenshot(run, "empty");
  });

  step("an indicator is added from the dialog", async ({ page }) => {
    await page.getByRole("button", { name: "Add indicator" }).click();
    const dialog = page.getByRole("dialog", { name: "Add indicator" });
    await dialog.getByLabel("Value").fill("300.1.1.1");
    await dialog.getByLabel("Type").selectOption("ipv4");
    await dialog.getByRole("button", { name: "Add" }).click();
    await dialog.getByText('"300.1.1.1" is not an IP address').waitFor();
    await dialog.getByLabel("Value").fill(BAD_IP);
    await dialog.getByLabel("Severity").selectOption("critical");
    await dialog.getByLabel("Description").fill("Loader command and control");
    await dialog.getByRole("button", { name: "Add" }).click();
    await dialog.waitFor({ state: "detached" });
    const row = page.getByRole("row").filter({ hasText: BAD_IP });
    await row.waitFor();
    assert.match(await row.innerText(), /critical/i);
    await screenshot(run, "indicator-added");
  });

  step("a matching event raises the alert and is sighted", async ({ page }) => {
    const res = await api("POST", "/api/v1/events", {
      "@timestamp": new Date().toISOString(),
      message: "proxy: CONNECT tunnel established",
      source: { ip: "10.20.0.7" },
      destination: { ip: BAD_IP, port: 443 },
      host: { name: "proxy-1" },
    }, ingestKey);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const alert = await until("the alert in the API", async () => {
      const list = await api("GET", "/api/v1/alerts");
      const items = list.body.alerts ?? list.body.items ?? [];
      return items.find((a) => a.title === "Threat Intelligence Indicator Match");
    });
    assert.equal(alert.severity, "high");
    assert.ok(alert.entities.ips.includes(BAD_IP), JSON.stringify(alert.entities));
    const detail = await api("GET", `/api/v1/alerts/${alert.id}`);
    assert.match(JSON.stringify(detail.body), /indicator_match/);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Alerts/ }).click();
    await page.getByRole("link", { name: "Threat Intelligence Indicator Match" }).first().waitFor();
    await screenshot(run, "alert");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Threat Intel" }).click();
    await page.getByRole("tab", { name: "Sightings" }).click();
    const sighting = page.getByRole("row").filter({ hasText: "destination.ip" });
    await sighting.waitFor({ timeout: 20_000 });
    assert.match(await sighting.innerText(), /Live/);
    assert.match(await sighting.innerText(), new RegExp(BAD_IP.replaceAll(".", "\\.")));
    await page.getByRole("region", { name: "Sightings in the last 24 hours" }).getByText("1", { exact: true }).waitFor({ timeout: 35_000 });
    await screenshot(run, "sightings");
  });

  step("a list is imported with a report of every refused record", async ({ page }) => {
    await page.getByRole("tab", { name: "Indicators" }).click();
    await page.getByRole("button", { name: "Import" }).click();
    const dialog = page.getByRole("dialog", { name: "Import indicators" });
    const dir = mkdtempSync(join(tmpdir(), "eventsec-e2e-intel-"));
    const file = join(dir, "partner-list.txt");
    writeFileSync(file, "# partner list\n192.0.2.77\nhxxp://phish[.]example/login\nnot an indicator\n");
    await dialog.getByLabel("File").setInputFiles(file);
    await dialog.getByLabel("Source name").fill("partner");
    await dialog.getByRole("button", { name: "Import" }).click();
    const report = dialog.getByRole("status", { name: "Import report" });
    await report.waitFor();
    assert.match(await report.innerText(), /Created\s*2/);
    await dialog.getByRole("table", { name: "Refused records" }).getByText('cannot tell the type of "not an indicator"', { exact: false }).waitFor();
    await screenshot(run, "import-report");
    await dialog.getByRole("button", { name: "Done" }).click();
    await page.getByRole("row").filter({ hasText: "http://phish.example/login" }).waitFor();
    rmSync(dir, { recursive: true, force: true });
  });

  step("a feed is subscribed to, fetched now, then not modified", async ({ page }) => {
    await page.getByRole("tab", { name: "Feeds" }).click();
    await page.getByRole("button", { name: "Add feed" }).click();
    const dialog = page.getByRole("dialog", { name: "Add feed" });
    await dialog.getByLabel("Name").fill("e2e list");
    await dialog.getByLabel("URL").fill(feedURL);
    await dialog.getByRole("button", { name: "Add" }).click();
    await dialog.waitFor({ state: "detached" });
    // The scheduler may fetch it at once; "Run now" fetches again.
    await page.getByRole("button", { name: "Run e2e list now" }).click();
    await page.getByText(/^e2e list: (2 indicators|not modified)/).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Run e2e list now" }).click();
    await page.getByText("e2e list: not modified since the last fetch.").waitFor({ timeout: 20_000 });
    assert.ok(feedHits >= 2);
    const row = page.getByRole("row").filter({ hasText: "e2e list" });
    assert.match(await row.innerText(), /\bOK\b/i);
    const list = await api("GET", "/api/v1/intel/indicators?q=feed-bad");
    assert.equal(list.body.total, 1);
    await screenshot(run, "feeds");
    assert.deepEqual(run.pageErrors, [], "no uncaught errors in the page");
  });
});
