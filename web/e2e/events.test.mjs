// End-to-end: events go in through the API (an ingest key: sshd syslog
// lines over the Splunk HEC raw endpoint, a Windows 4625 and an app's JSON
// over POST /api/v1/events) and come out on screen: the Events explorer (search,
// severity filter, drawer, export, live mode), the Dashboard's counts and
// live feed, and the Threat Map placed by GeoIP (MaxMind's test databases
// from shared/data/geoip), first with no telemetry at all, then live.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, geoipDir, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const cityDB = join(geoipDir, "GeoIP2-City-Test.mmdb");
const asnDB = join(geoipDir, "GeoLite2-ASN-Test.mmdb");
const haveGeoIP = existsSync(cityDB) && existsSync(asnDB);

/** A syslog (RFC 3164) timestamp a minute ago, as the server's clock reads it (UTC). */
function syslogTime(offsetMs = 60_000) {
  const d = new Date(Date.now() - offsetMs);
  const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const day = String(d.getUTCDate()).padStart(2, " ");
  const t = d.toISOString().slice(11, 19);
  return `${mon} ${day} ${t}`;
}

/** An sshd line as syslog sends it (RFC 3164, with PRI). */
const sshd = (host, pid, text, offsetMs = 60_000) => `<38>${syslogTime(offsetMs)} ${host} sshd[${pid}]: ${text}`;

// In the test database 81.2.69.142 and 2.125.160.216 are in the UK, 89.160.20.112 in Sweden.
const SYSLOG_LINES = [
  sshd("web-1", 811, "Failed password for root from 81.2.69.142 port 4242 ssh2"),
  sshd("web-1", 812, "Failed password for root from 81.2.69.142 port 4243 ssh2"),
  sshd("web-2", 901, "Failed password for admin from 89.160.20.112 port 5555 ssh2"),
  sshd("bastion", 77, "Accepted publickey for deploy from 2.125.160.216 port 50022 ssh2"),
  sshd("web-1", 999, "Failed password for guest from 10.0.0.5 port 2222 ssh2"),
];

function jsonEvents() {
  return [
    // A Windows 4625 (failed logon) as evtx tools write it.
    {
      Event: {
        System: {
          Provider: { Name: "Microsoft-Windows-Security-Auditing" },
          EventID: 4625,
          TimeCreated: { SystemTime: (Date.now() - 90_000) / 1000 },
          EventRecordID: 5279,
          Channel: "Security",
          Computer: "DC01.corp.example",
        },
        EventData: {
          TargetUserName: "administrator",
          TargetDomainName: "CORP",
          Status: 3221225581,
          SubStatus: 3221225578,
          LogonType: 10,
          IpAddress: "2.125.160.216",
          IpPort: "0",
        },
      },
    },
    // An application's own JSON, from a private address: never placed on the map.
    { message: "VPN login failed for alice", user: { name: "alice" }, source: { ip: "10.1.2.3" }, host: { name: "vpn-gw" }, event: { action: "vpn_login", outcome: "failure" } },
  ];
}

describe("events: ingest real events, then see them on screen", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let adminToken = "";
  let ingestKey = "";
  let sent = 0;
  const step = stepper(it, () => run);

  async function api(method, path, body, token = adminToken) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** JSON events through POST /api/v1/events (202 once durable). */
  async function ingest(events) {
    const res = await api("POST", "/api/v1/events", events, ingestKey);
    assert.equal(res.status, 202, `POST /api/v1/events: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.accepted, events.length, `accepted: ${JSON.stringify(res.body)}`);
    sent += events.length;
  }

  /**
   * Syslog lines, one event each, through the Splunk HEC raw endpoint with
   * the same key: the server parses them as syslog (a JSON "message" is
   * kept as it is, not parsed).
   */
  async function ingestLines(lines) {
    const res = await fetch(`${run.baseURL}/services/collector/raw`, {
      method: "POST",
      headers: { Authorization: `Splunk ${ingestKey}`, "Content-Type": "text/plain" },
      body: lines.join("\n") + "\n",
    });
    const body = await res.text();
    assert.equal(res.status, 200, `POST /services/collector/raw: ${body}`);
    sent += lines.length;
  }

  async function count(query = "", severity = "") {
    const q = new URLSearchParams({ from: "now-24h", size: "1" });
    if (query) q.set("query", query);
    if (severity) q.set("severity", severity);
    const res = await api("GET", `/api/v1/events?${q}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.total;
  }

  /** Switches the theme with its button, or, while a dialog covers it, as the button would. */
  async function dark(on) {
    const { page } = run;
    if ((await page.getByRole("dialog").count()) === 0) {
      const toggle = page.getByRole("button", { name: "Dark theme" });
      if ((await toggle.getAttribute("aria-pressed")) !== String(on)) await toggle.click();
      return;
    }
    await page.evaluate((theme) => {
      document.documentElement.dataset.theme = theme;
      document.documentElement.style.colorScheme = theme;
      localStorage.setItem("eventsec.theme", theme);
    }, on ? "dark" : "light");
  }

  before(async () => {
    // Screenshots of an earlier run, failed steps included, would mislead.
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("events-")) rmSync(join(artifacts, f));
    if (!haveGeoIP) console.log(`GeoIP test databases not found in ${geoipDir}: the threat map's located attacks are not checked.`);
    run = await start("events", { args: haveGeoIP ? ["--geoip-city-db", cityDB, "--geoip-asn-db", asnDB] : [] });
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    adminToken = (await login.json()).access_token;
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("a fresh server says so: no events on the Dashboard or in Events, NO LIVE TELEMETRY on the map", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await page.getByRole("heading", { name: "No events yet" }).waitFor();
    await page.getByLabel("Example: send an event with curl").waitFor();
    await screenshot(run, "dashboard-empty");
    await page.goto(`${baseURL}/threat-map`);
    await page.getByRole("status").filter({ hasText: "NO LIVE TELEMETRY" }).waitFor();
    assert.equal(await page.getByRole("img", { name: /^(Attack source|Live attack)/ }).count(), 0, "nothing drawn without telemetry");
    await screenshot(run, "threat-map-no-telemetry");
    await dark(true);
    await screenshot(run, "threat-map-no-telemetry-dark");
    await dark(false);
    await page.goto(`${baseURL}/events`);
    await page.getByText("No events in this time range.").waitFor();
    await screenshot(run, "events-empty");
  });

  step("an ingest API key sends events, and can read nothing", async () => {
    const created = await api("POST", "/api/v1/api-keys", { name: "log shipper", role: "ingest", expires_in_days: 0 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ingestKey = created.body.key;
    const refused = await api("GET", "/api/v1/events", undefined, ingestKey);
    assert.equal(refused.status, 403, "an ingest key cannot search");
    await ingestLines(SYSLOG_LINES);
    await ingest(jsonEvents());
    // HEC answers once the events are accepted; wait until they are searchable.
    for (let i = 0; i < 50 && (await count()) < sent; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await count(), sent);
  });

  step("Events lists them, with the histogram and the total", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events`);
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    const table = page.getByRole("table", { name: "Events, newest first" });
    assert.equal(await table.getByRole("row").count(), sent + 1);
    await page.getByRole("group", { name: /Events over time, one bar per/ }).waitFor();
    await table.getByRole("cell", { name: /^DC01/ }).first().waitFor();
    await screenshot(run, "events");
  });

  step("a search for user.name:root narrows them, in the URL too", async ({ page }) => {
    const roots = await count("user.name:root");
    assert.equal(roots, 2, "two failed root logins were sent");
    const box = page.getByRole("searchbox", { name: "Search" });
    await box.fill("user.name:root");
    await box.press("Enter");
    await page.waitForURL(/q=user\.name%3Aroot/);
    await page.getByText(`Showing ${roots} of ${roots}, newest first`).waitFor();
    const rows = page.getByRole("table", { name: "Events, newest first" }).getByRole("row");
    assert.equal(await rows.count(), roots + 1);
    for (const text of await rows.allInnerTexts()) if (!/^TIME/i.test(text)) assert.match(text, /root/);
  });

  step("a query the server cannot parse is told under the search box", async ({ page }) => {
    const box = page.getByRole("searchbox", { name: "Search" });
    await box.fill("user.name:(root");
    await box.press("Enter");
    const error = page.locator("#events-query-help[role=alert]");
    await error.waitFor();
    assert.ok((await error.innerText()).length > 0);
    await screenshot(run, "events-bad-query");
    await box.fill("user.name:root");
    await box.press("Enter");
    await error.waitFor({ state: "detached" });
  });

  step("the drawer shows the normalized event and its raw original", async ({ page }) => {
    await page.getByRole("button", { name: /^Open event/ }).first().click();
    const drawer = page.getByRole("dialog", { name: "Event details" });
    await drawer.waitFor();
    const raw = drawer.getByLabel("Raw original as received");
    assert.match(await raw.innerText(), /sshd\[81[12]\]: Failed password for root from 81\.2\.69\.142/);
    await drawer.getByRole("button", { name: "Filter for user.name: root" }).waitFor();
    await screenshot(run, "event-drawer");
    await dark(true);
    await screenshot(run, "event-drawer-dark");
    await dark(false);
    await drawer.getByRole("button", { name: "Close" }).click();
    await drawer.waitFor({ state: "detached" });
  });

  step("the Fields panel counts a field's values over the whole search, and filters for one", async ({ page, baseURL }) => {
    // The counts come from the server, over the whole search.
    await page.goto(`${baseURL}/events?range=24h&cols=host.name,user.name,message`);
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    const web1 = await count("host.name:web-1");
    assert.equal(web1, 3, "three sshd lines came from web-1");
    const withHost = (await api("GET", "/api/v1/events/terms?field=host.name&from=now-24h&size=100")).body;
    assert.equal(withHost.events, withHost.terms.reduce((n, t) => n + t.count, 0), "each event has one host.name");
    // At 1440 px the table's message needs the room: the panel starts closed, a click away.
    const panel = page.getByRole("complementary", { name: "Fields" });
    const toggle = page.getByRole("button", { name: "Fields", exact: true });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await panel.count(), 0);
    await toggle.click();
    await panel.waitFor();
    const find = panel.getByRole("searchbox", { name: "Find a field" });
    await find.fill("host.n");
    const field = panel.getByRole("button", { name: /^host\.name/ });
    // The list filters a frame after the keystroke (a deferred value): wait for the others to go.
    const listed = panel.getByRole("list", { name: "Fields of the events shown" }).getByRole("button");
    await listed.nth(1).waitFor({ state: "detached" });
    assert.equal(await listed.count(), 1, "the box finds the field");
    await field.click();
    const values = panel.getByRole("list", { name: /^Top \d+ values of host\.name$/ });
    await values.waitFor();
    const first = values.getByRole("listitem").first();
    const share = `${Math.round((web1 / sent) * 100)}%`;
    const text = await first.innerText();
    assert.ok(text.startsWith("web-1") && text.includes(`${web1} · ${share}`), `the top value: ${JSON.stringify(text)}, want web-1 with ${web1} · ${share}`);
    await panel.getByText(`In ${withHost.events} of ${sent} matching events`).waitFor();
    await screenshot(run, "events-fields-panel");
    await page.setViewportSize({ width: 1366, height: 768 });
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, "the page does not overflow at 1366x768 with the panel open");
    await screenshot(run, "events-fields-panel-1366");
    await page.setViewportSize({ width: 1440, height: 900 });
    await dark(true);
    await screenshot(run, "events-fields-panel-dark");
    await dark(false);

    await values.getByRole("button", { name: "Filter for host.name: web-1" }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === 'host.name:"web-1"');
    // The box follows the URL on the next render.
    const box = page.getByRole("searchbox", { name: "Search" });
    for (let i = 0; i < 50 && (await box.inputValue()) !== 'host.name:"web-1"'; i++) await page.waitForTimeout(100);
    assert.equal(await box.inputValue(), 'host.name:"web-1"');
    await page.getByText(`Showing ${web1} of ${web1}, newest first`).waitFor();
    const hosts = await page.getByRole("table", { name: "Events, newest first" }).locator("tbody tr td:nth-child(3)").allInnerTexts();
    assert.deepEqual(hosts, Array(web1).fill("web-1"));
    // The open field follows the search: all of its events now have the one value.
    await panel.getByText(`In ${web1} of ${web1} matching events (100%)`).waitFor();

    // And as a column: user.name is one already; the toggle takes it away and back.
    await find.fill("user.name");
    await panel.getByRole("button", { name: /^user\.name/ }).click();
    const column = panel.getByRole("button", { name: "Show user.name as a table column" });
    assert.equal(await column.getAttribute("aria-pressed"), "true");
    await column.click();
    await page.waitForURL((url) => url.searchParams.get("cols") === "host.name,message");
    await column.click();
    await page.waitForURL((url) => url.searchParams.get("cols") === "host.name,message,user.name");

    // Opened, it stays open on the next visit; collapsed, collapsed.
    await page.reload();
    await panel.waitFor();
    await toggle.click();
    await panel.waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("table", { name: "Events, newest first" }).waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await panel.count(), 0);
  });

  step("the severity filter keeps only the chosen bands", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events`);
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    const stats = await api("GET", "/api/v1/events/stats/summary?from=now-24h");
    const bands = stats.body.by_severity.filter((t) => t.count > 0 && t.count < sent);
    const band = bands[0] ?? stats.body.by_severity[0];
    assert.ok(band, "the stats name at least one band");
    const label = band.term[0].toUpperCase() + band.term.slice(1);
    // Clicked, not check(): the box follows the URL, which the click changes a moment later.
    await page.getByRole("checkbox", { name: label }).click();
    await page.waitForURL(new RegExp(`sev=${band.term}`));
    await page.getByText(`Showing ${band.count} of ${band.count}, newest first`).waitFor();
    const badges = await page.getByRole("table", { name: "Events, newest first" }).locator("tbody .sev").allInnerTexts();
    assert.equal(badges.length, band.count);
    for (const b of badges) assert.equal(b.trim().toLowerCase(), band.term);
    await screenshot(run, "events-severity-filter");
    await page.getByRole("checkbox", { name: label }).click();
    await page.waitForURL((url) => !url.searchParams.has("sev"));
  });

  step("the Time header sorts oldest first, in the URL, through a reload", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events`);
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    const desc = page.getByRole("table", { name: "Events, newest first" });
    const times = (table) => table.locator("tbody time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime") ?? ""));
    assert.equal(await desc.getByRole("columnheader", { name: /^Time/ }).getAttribute("aria-sort"), "descending");
    const newest = await times(desc);
    await desc.getByRole("columnheader", { name: /^Time/ }).getByRole("button").click();
    await page.waitForURL((url) => url.searchParams.get("order") === "asc");
    await page.getByText(`Showing ${sent} of ${sent}, oldest first`).waitFor();
    const asc = page.getByRole("table", { name: "Events, oldest first" });
    assert.equal(await asc.getByRole("columnheader", { name: /^Time/ }).getAttribute("aria-sort"), "ascending");
    const oldest = await times(asc);
    assert.deepEqual(oldest, [...newest].reverse(), "oldest first is newest first reversed");
    // The first occurrence, as the API finds it.
    const first = (await api("GET", "/api/v1/events?from=now-24h&size=1&order=asc")).body.items[0];
    assert.equal(oldest[0], first["@timestamp"]);
    await screenshot(run, "events-oldest-first");
    await page.reload();
    await asc.waitFor();
    assert.equal(await asc.getByRole("columnheader", { name: /^Time/ }).getAttribute("aria-sort"), "ascending");
    // From the keyboard, back to newest first, which the URL leaves out.
    await asc.getByRole("columnheader", { name: /^Time/ }).getByRole("button").press("Enter");
    await page.waitForURL((url) => !url.searchParams.has("order"));
    await desc.waitFor();
  });

  step("the custom time range closes on Esc and on a click outside, back on Custom", async ({ page }) => {
    const custom = page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "Custom" });
    const form = page.getByRole("form", { name: "Custom time range" });
    await custom.click();
    await form.getByLabel("From").focus();
    await page.keyboard.press("Escape");
    await form.waitFor({ state: "detached" });
    assert.ok(await custom.evaluate((el) => el === document.activeElement), "Esc puts the focus back on Custom");
    await custom.click();
    await form.getByLabel("To").click();
    await page.getByRole("heading", { name: "Events", level: 1 }).click();
    await form.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.activeElement?.textContent === "Custom");
  });

  step("a search is saved for the organisation and opened again", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events?q=user.name%3Aroot&range=7d`);
    const roots = await count("user.name:root");
    await page.getByText(`Showing ${roots} of ${roots}, newest first`).waitFor();
    await page.getByRole("button", { name: "Saved searches" }).click();
    const dialog = page.getByRole("dialog", { name: "Saved searches" });
    const form = dialog.getByRole("form", { name: "Save the current search" });
    await form.getByRole("textbox", { name: "Name" }).fill("Root logins this week");
    await form.getByRole("button", { name: "Save" }).click();
    await dialog.getByRole("status").filter({ hasText: "Saved as “Root logins this week”" }).waitFor();
    const stored = await api("GET", "/api/v1/events/saved");
    assert.equal(stored.status, 200);
    assert.deepEqual(
      stored.body.items.map((s) => [s.name, s.query, s.range]),
      [["Root logins this week", "user.name:root", "7d"]],
    );
    await screenshot(run, "events-saved-searches");
    await dialog.getByRole("button", { name: "Close" }).last().click();
    // Elsewhere, then back through the saved search.
    await page.goto(`${baseURL}/events`);
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    await page.getByRole("button", { name: "Saved searches" }).click();
    await page.getByRole("button", { name: "Open Root logins this week" }).click();
    await page.waitForURL(/q=user\.name%3Aroot/);
    await page.getByText(`Showing ${roots} of ${roots}, newest first`).waitFor();
    await page.getByRole("status").filter({ hasText: "Saved search Root logins this week" }).waitFor();
    await page.goto(`${baseURL}/events`);
  });

  step("export NDJSON downloads every event of the search, one per line", async ({ page }) => {
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    await page.getByRole("button", { name: "Export" }).click();
    const dialog = page.getByRole("dialog", { name: "Export events" });
    await dialog.getByRole("radio", { name: /NDJSON/ }).check();
    const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("button", { name: "Download NDJSON" }).click()]);
    const file = join(artifacts, "events-export.ndjson");
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /\.ndjson$/);
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
    assert.equal(lines.length, sent);
    for (const l of lines) {
      const doc = JSON.parse(l);
      assert.ok(doc._id ?? doc.id, "each line is an event with its ID");
    }
    await dialog.getByText(/^Downloaded .*\.ndjson/).waitFor();
    await screenshot(run, "events-export");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  step("live mode shows events sent after it was switched on", async ({ page }) => {
    const box = page.getByRole("searchbox", { name: "Search" });
    await box.fill("");
    await box.press("Enter");
    await page.getByText(`Showing ${sent} of ${sent}, newest first`).waitFor();
    await page.getByRole("button", { name: "Live mode" }).click();
    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    const before = sent;
    // Stamped now: newer than every event listed, so on top (the list is in time order, not arrival order).
    await ingestLines([sshd("web-3", 4242, "Failed password for root from 81.2.69.142 port 6000 ssh2", 0), sshd("web-3", 4243, "Failed password for nobody from 81.2.69.142 port 6001 ssh2", 0)]);
    const table = page.getByRole("table", { name: "Events, newest first" });
    await table.getByRole("cell", { name: "web-3" }).nth(1).waitFor();
    await page.getByText(`Showing ${before + 2} of ${before + 2}, newest first`).waitFor();
    // On top, marked as live, without a reload.
    assert.match(await table.getByRole("row").nth(1).innerText(), /web-3/);
    await page.getByRole("heading", { name: `${before + 2} events · 2 of them arrived live` }).waitFor();
    await screenshot(run, "events-live");
    await page.getByRole("button", { name: "Live mode" }).click();
  });

  step("live mode lists by time, newest first, and leaves out events stamped outside the range", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events?range=15m&q=user.name%3Alivecheck`);
    await page.getByText("No events match this search in this time range.").waitFor();
    await page.getByRole("button", { name: "Live mode" }).click();
    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    const now = Date.now();
    // Newest first in the body, as the tester sent them, then one from an old archive.
    const burst = [0, 1, 2, 3, 4].map((s) => ({ "@timestamp": new Date(now - s * 1000).toISOString(), message: `live check ${s}`, user: { name: "livecheck" }, host: { name: `lc-${s}` } }));
    await ingest([...burst, { "@timestamp": "2020-01-01T00:00:00Z", message: "live check archive", user: { name: "livecheck" }, host: { name: "lc-2020" } }]);
    sent -= 1; // the 2020 event is outside every count of the last 24 hours below
    await page.getByText("Showing 5 of 5, newest first").waitFor();
    await page.getByText("1 live event was stamped outside the time range and is not listed.").waitFor();
    await page.getByRole("heading", { name: "5 events · 5 of them arrived live" }).waitFor();
    const table = page.getByRole("table", { name: "Events, newest first" });
    const hosts = await table.locator("tbody tr td:nth-child(3)").allInnerTexts();
    assert.deepEqual(hosts, ["lc-0", "lc-1", "lc-2", "lc-3", "lc-4"]);
    // The chart counts what the list shows.
    const bars = await page.getByRole("group", { name: /Events over time, one bar per/ }).getByRole("button").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
    const charted = bars.reduce((n, l) => n + Number(/: (\d+) events?/.exec(l)?.[1] ?? 0), 0);
    assert.equal(charted, 5);
    await screenshot(run, "events-live-range");
    await page.getByRole("button", { name: "Live mode" }).click();
  });

  step("an invalid query has no count and no chart", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events?q=foo%20AND`);
    await page.locator("#events-query-help[role=alert]").waitFor();
    await page.getByText("No chart: the search has an error.").waitFor();
    assert.equal(await page.getByText("Counting events…").count(), 0);
    assert.equal(await page.getByText("No events to chart in this range.").count(), 0);
    await screenshot(run, "events-invalid-query");
  });

  step("the message stays readable beside many columns, and the table scrolls instead of cutting", async ({ page, baseURL }) => {
    const cols = "host.name,user.name,source.ip,event.dataset,message,http.response.status_code,url.path,tags";
    for (const [width, height] of [
      [1440, 900],
      [1366, 768],
    ]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${baseURL}/events?range=all&cols=${encodeURIComponent(cols)}`);
      const table = page.getByRole("table", { name: "Events, newest first" });
      await table.waitFor();
      assert.equal(new URL(page.url()).searchParams.get("cols"), cols, "the columns are in the URL");
      const message = await table.getByRole("columnheader", { name: "Message" }).boundingBox();
      assert.ok(message && message.width >= 300, `Message is ${message?.width}px wide at ${width}px`);
      // Every column can be reached: the card scrolls sideways rather than clip the last one.
      const fits = await page.locator(".events-table-wrap").evaluate((wrap) => {
        const table = wrap.querySelector("table");
        const scrolls = getComputedStyle(wrap).overflowX === "auto" && (table?.offsetWidth ?? Infinity) <= wrap.scrollWidth;
        return scrolls && document.documentElement.scrollWidth <= window.innerWidth;
      });
      assert.ok(fits, "the table scrolls inside its card, and the page does not overflow");
      await screenshot(run, `events-columns-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  step("All time finds every stored event, and a link keeps the columns", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/events?cols=host.name,message`);
    await page.getByRole("button", { name: "All", exact: true }).click();
    await page.waitForURL(/range=all/);
    const total = (await api("GET", "/api/v1/events?size=1")).body.total;
    await page.getByText(`Showing ${Math.min(total, 100)} of ${total}, newest first`).waitFor();
    const headers = await page.getByRole("table", { name: "Events, newest first" }).getByRole("columnheader").allInnerTexts();
    assert.deepEqual(headers.slice(2).map((h) => h.toLowerCase()), ["host", "message"]);
  });

  step("live mode with a search sends the search as the server-side filter", async () => {
    const { page } = run;
    const box = page.getByRole("searchbox", { name: "Search" });
    await box.fill("user.name:root");
    await box.press("Enter");
    await page.getByRole("button", { name: "Live mode" }).click();
    const refused = page.getByRole("alert").filter({ hasText: /^Live mode: / });
    const live = page.getByRole("status").filter({ hasText: /^Live$/ });
    await Promise.race([refused.waitFor(), live.waitFor()]);
    await page.waitForTimeout(500);
    if ((await refused.count()) > 0) {
      // Told, not hidden: the server does not filter live events yet.
      console.log(`# NOTE: the server refused the live filter: ${await refused.innerText()}`);
      await page.getByRole("button", { name: "Live mode" }).click();
      return;
    }
    const rootsBefore = await count("user.name:root");
    await ingestLines([sshd("web-4", 4244, "Failed password for root from 81.2.69.142 port 6002 ssh2"), sshd("web-4", 4245, "Failed password for nobody from 81.2.69.142 port 6003 ssh2")]);
    const table = page.getByRole("table", { name: "Events, newest first" });
    await table.getByRole("cell", { name: "web-4" }).waitFor();
    await page.getByText(`Showing ${rootsBefore + 1} of ${rootsBefore + 1}, newest first`).waitFor();
    assert.equal(await table.getByRole("cell", { name: "web-4" }).count(), 1, "only the event matching the search arrives");
    await page.getByRole("button", { name: "Live mode" }).click();
  });

  step("the Dashboard shows the real totals and feeds new events live", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/`);
    const total = page.getByRole("region", { name: "Events", exact: true });
    await total.waitFor();
    assert.match(await total.innerText(), new RegExp(`\\b${sent}\\b`));
    const hosts = page.getByRole("region", { name: "Top hosts" });
    await hosts.getByRole("link", { name: "web-1" }).waitFor();
    await page.getByRole("region", { name: "Top users" }).getByRole("link", { name: "root" }).waitFor();
    await page.getByText("Connected").waitFor();
    // The metrics channel's first figures come about 5 s after subscribing and
    // count from the subscription on.
    const arriving = page.getByRole("region", { name: "Arriving now" });
    await arriving.getByText(/newly stored/).waitFor({ timeout: 20_000 });
    const before = sent;
    await ingestLines([sshd("mail-1", 31337, "Failed password for postmaster from 89.160.20.112 port 7000 ssh2")]);
    const feed = page.getByRole("list", { name: "Latest events" });
    await feed.getByText("mail-1").waitFor();
    // The next figures count it; the totals are read again without a reload,
    // and the super-admin sees the listener that took it.
    await arriving.getByText("0.2/s newly stored", { exact: false }).waitFor({ timeout: 20_000 });
    await total.getByText(new RegExp(`^${(before + 1).toLocaleString("en-US")}$`)).waitFor({ timeout: 20_000 });
    await page.getByRole("region", { name: "Ingest pipeline" }).getByRole("rowheader", { name: "hec" }).waitFor();
    await feed.getByRole("button").first().click();
    await page.getByRole("dialog", { name: "Event details" }).getByText("postmaster").first().waitFor();
    await page.keyboard.press("Escape");
    // The Alerts card: the range's open alerts by severity, or that there are none.
    const alerts = page.getByRole("region", { name: "Alerts", exact: true });
    await alerts.getByText("No alerts in this range").or(alerts.getByRole("list", { name: "Open alerts by severity" })).waitFor();
    await page.getByRole("region", { name: "High and critical events" }).waitFor();
    await screenshot(run, "dashboard");
    await page.setViewportSize({ width: 1366, height: 768 });
    await screenshot(run, "dashboard-1366");
    await page.setViewportSize({ width: 1440, height: 900 });
    await dark(true);
    await screenshot(run, "dashboard-dark");
    await page.goto(`${baseURL}/events`);
    await page.getByRole("table", { name: "Events, newest first" }).waitFor();
    await page.getByRole("group", { name: /Events over time, one bar per/ }).waitFor();
    await screenshot(run, "events-dark");
    await dark(false);
  });

  step("the Threat Map shows the located attacks, then a live arc", async () => {
    const { page, baseURL } = run;
    await page.goto(`${baseURL}/threat-map`);
    const summary = await api("GET", "/api/v1/threatmap/summary");
    assert.equal(summary.status, 200);
    assert.equal(summary.body.total, sent);
    assert.equal(summary.body.geoip, haveGeoIP, "the summary says whether the server has a GeoIP database");
    // The counters match the server's own summary (the page may first show what it had cached).
    const inView = page.getByLabel("Located events", { exact: true });
    await inView.filter({ hasText: new RegExp(`^${summary.body.with_location}$`) }).waitFor();
    // Events with an address GeoIP could not place; the live check's events have none and are not counted.
    const unplaced = await count("(source.ip:* OR destination.ip:*) AND NOT source.geo.location.lat:* AND NOT destination.geo.location.lat:*");
    if (haveGeoIP) assert.equal(unplaced, 2, "the two private addresses, 10.0.0.5 and 10.1.2.3");
    await page.getByLabel("Events with an address not located").filter({ hasText: new RegExp(`^${unplaced}$`) }).waitFor();
    if (!haveGeoIP) {
      console.log("# NOTE: GeoIP databases absent: located attacks not checked");
      await page.getByRole("status").filter({ hasText: "NO LIVE TELEMETRY" }).waitFor();
      return;
    }
    // London, Boxford and Linköping; 10.0.0.5 and 10.1.2.3 are private and stay unplaced.
    assert.equal(summary.body.with_location, sent - 2 - 5, "every event but the two from private addresses and the five of the live check (no address) is located");
    assert.equal(await page.getByRole("status").filter({ hasText: "NO LIVE TELEMETRY" }).count(), 0);
    await page.getByRole("img", { name: /^Attack source 81\.2\.69\.142/ }).waitFor();
    await page.getByRole("img", { name: /^Attack source 89\.160\.20\.112/ }).waitFor();
    assert.equal(await page.getByRole("img", { name: /10\.0\.0\.5|10\.1\.2\.3/ }).count(), 0, "a private address is never placed");
    const countries = page.getByRole("list", { name: "Top source countries" });
    await countries.getByText("Sweden").waitFor();
    await screenshot(run, "threat-map");

    await page.getByRole("status").filter({ hasText: /^Live$/ }).waitFor();
    const before = summary.body.with_location;
    await ingestLines([sshd("vpn-1", 555, "Failed password for root from 89.160.20.112 port 8080 ssh2")]);
    await page.getByRole("img", { name: /^Live attack from 89\.160\.20\.112/ }).waitFor();
    await inView.filter({ hasText: String(before + 1) }).waitFor();
    await page.waitForTimeout(1300); // the arc draws itself in
    await screenshot(run, "threat-map-live");
    // An event stamped 2019 is outside the 24 hours shown: not counted, not listed. The
    // one sent after it tells that it has been through.
    await ingest([
      { "@timestamp": "2019-01-01T00:00:00Z", message: "old located event", source: { ip: "81.2.69.142" }, event: { severity: 99 } },
      { message: "new located event", source: { ip: "2.125.160.216" } },
    ]);
    sent -= 1; // the 2019 one is outside the last 24 hours
    await inView.filter({ hasText: String(before + 2) }).waitFor();
    const latest = page.getByRole("table", { name: "Latest located events" });
    assert.equal(await latest.getByText(/2019/).count(), 0, "no 2019 row");
    await dark(true);
    await screenshot(run, "threat-map-dark");
    await dark(false);
  });

  step("the Threat Map leads to Events: a row to its event, a country and a source to their events", async ({ page, baseURL }) => {
    if (!haveGeoIP) {
      console.log("# NOTE: GeoIP databases absent: the map's drill-down not checked");
      return;
    }
    await page.goto(`${baseURL}/threat-map?range=7d`);
    const latest = page.getByRole("table", { name: "Latest located events" });
    await latest.waitFor();
    // A row, from the keyboard: its event in the drawer, over the map's range.
    const first = latest.getByRole("row").nth(1);
    const ip = (await first.getByRole("cell").nth(2).innerText()).split(/\s/)[0];
    await first.getByRole("link", { name: /^Open the event of / }).press("Enter");
    await page.waitForURL((url) => url.pathname === "/events" && url.searchParams.get("range") === "7d" && url.searchParams.has("event"));
    const drawer = page.getByRole("dialog", { name: "Event details" });
    await drawer.waitFor();
    await drawer.getByText(ip).first().waitFor();
    await screenshot(run, "threat-map-row-to-event");
    await page.goBack();
    await latest.waitFor();

    // A country: its events, as many as the search counts.
    const se = await count("source.geo.country_iso_code:SE");
    await page.getByRole("list", { name: "Top source countries" }).getByRole("link", { name: /Sweden/ }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === "source.geo.country_iso_code:SE" && url.searchParams.get("range") === "7d");
    await page.getByText(`Showing ${se} of ${se}, newest first`).waitFor();
    await page.goBack();

    // A source's mark on the map, from the keyboard too.
    const mark = page.getByRole("link", { name: "Events from 89.160.20.112" });
    await mark.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("q") === 'source.ip:"89.160.20.112"');
    const fromIP = await count('source.ip:"89.160.20.112"');
    assert.ok(fromIP > 0);
    await page.getByText(`Showing ${fromIP} of ${fromIP}, newest first`).waitFor();
  });

  step("Administration has the retention setting", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/admin/settings`);
    const days = page.getByLabel("Retention (days)");
    await days.waitFor();
    await days.fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator(".field-error").waitFor();
    await days.fill("180");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
    assert.equal((await api("GET", "/api/v1/settings")).body.retention_days, 180);
    await screenshot(run, "settings");
  });

  step("the pages raised no uncaught errors", () => {
    assert.deepEqual(run.pageErrors.map(String), []);
  });
});
