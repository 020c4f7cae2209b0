// End-to-end: Sigma placeholders against a real server. A SigmaHQ rule that
// expands %known_cdcs% is stored but cannot run; the rules list says so (and
// filters on it), the rule's page says so, the Placeholders tab lists the
// placeholder as needed, an admin gives it values, and the rule runs: it is
// no longer listed as not runnable and raises an alert for a certificate
// request that chases an unknown DC, not for one that chases a known DC.

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const RULE_FILE = resolve(
  import.meta.dirname,
  "../../../shared/data/sigma/rules-emerging-threats/2026/Exploits/CVE-2026-54121/win_security_adcs_certighost_cdc_chase_request.yml",
);
const RULE_ID = "c4a1f389-2e6b-4d9a-8f0c-b73e5a12d947";

const certRequest = (cdc) => ({
  "@timestamp": new Date().toISOString(),
  host: { name: "CA01" },
  winlog: {
    event_id: 4886,
    channel: "Security",
    provider_name: "Microsoft-Windows-Security-Auditing",
    event_data: { RequestId: "42", Requester: "CORP\\GHOST1$", Attributes: `cdc:${cdc}\nrmd:dc02.corp.example` },
  },
});

describe("placeholders: a rule that needs one, its values, the rule running", { timeout: 240_000, skip: !existsSync(RULE_FILE) && "SigmaHQ corpus not found" }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  const step = stepper(it, () => run);

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("placeholders-")) rmSync(join(artifacts, f));
    run = await start("placeholders");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    const created = await api("POST", "/api/v1/rules", { source: readFileSync(RULE_FILE, "utf8") });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("the rules list marks the rule as not runnable and filters on it", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await page.goto(`${baseURL}/rules`);
    await page.getByRole("table", { name: "Detection rules" }).waitFor();
    // The filter lives in the URL: the box shows checked once the navigation is done.
    const only = page.getByRole("checkbox", { name: "Only rules that cannot run" });
    await only.click();
    await page.waitForURL(/runnable=false/);
    // The box follows the URL once the page re-renders: wait for it rather than read it at once.
    await page.getByRole("checkbox", { name: "Only rules that cannot run", checked: true }).waitFor();
    assert.equal(await only.isChecked(), true);
    // The previous page stays on screen until the filtered one arrives.
    await page.getByRole("status").filter({ hasText: /of 1 rule$/ }).waitFor();
    const table = page.getByRole("table", { name: "Detection rules" });
    await table.getByRole("link", { name: /Certighost CDC Chase Certificate Request/ }).waitFor();
    assert.equal(await table.getByRole("row").count(), 2, "only the rule that cannot run is listed");
    assert.match(await table.getByRole("note").innerText(), /Not runnable\s+placeholder %known_cdcs% has no values in this org/);
    await screenshot(run, "not-runnable");
  });

  step("the rule's page says why it does not run", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/rules/${RULE_ID}`);
    const alert = page.getByRole("alert").filter({ hasText: "This rule does not run" });
    await alert.waitFor();
    assert.match(await alert.innerText(), /placeholder %known_cdcs% has no values in this org/);
    await alert.getByRole("link", { name: "Set the placeholder's values" }).click();
    await page.waitForURL(/\/rules\/placeholders$/);
  });

  step("the Placeholders tab lists %known_cdcs% as needed; an admin gives it values", async ({ page }) => {
    const missing = page.getByRole("region", { name: "Used by rules but without values" });
    await missing.waitFor();
    assert.match(await missing.innerText(), /%known_cdcs%: 1 rule not running/);
    await screenshot(run, "missing");
    await missing.getByRole("button", { name: "Add values for %known_cdcs%" }).click();
    const card = page.getByRole("region", { name: "%known_cdcs%" });
    await card.getByRole("textbox", { name: "Values, one per line" }).fill("dc01.corp.example\n10.0.0.10\n");
    await page.getByRole("button", { name: "Save placeholders" }).click();
    await page.getByText("Saved; the rules using them were recompiled.").waitFor();
    await screenshot(run, "saved");
    const ph = await api("GET", "/api/v1/detection/placeholders");
    assert.deepEqual(ph.body.placeholders.map((p) => [p.name, p.values]), [["known_cdcs", ["dc01.corp.example", "10.0.0.10"]]]);
    assert.deepEqual(ph.body.missing, []);
    const audit = await api("GET", "/api/v1/audit?action=detection.placeholders.update");
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.match(JSON.stringify(audit.body), /%known_cdcs% added \(2 values\)/);
  });

  step("the rule runs: no longer listed as not runnable, and it alerts on an unknown DC only", async ({ page, baseURL }) => {
    const list = await api("GET", "/api/v1/rules?runnable=false");
    assert.equal(list.body.total, 0, JSON.stringify(list.body.rules));
    await page.goto(`${baseURL}/rules?runnable=false`);
    await page.getByText("No rules match this search and these filters.").waitFor();
    const sent = await api("POST", "/api/v1/events", [certRequest("10.0.0.10"), certRequest("10.66.6.6")]);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const deadline = Date.now() + 30_000;
    let alerts = [];
    while (Date.now() < deadline) {
      alerts = (await api("GET", `/api/v1/alerts?rule=${RULE_ID}`)).body.alerts;
      if (alerts.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(alerts.length, 1, "one alert, for the chase to 10.66.6.6");
    assert.equal(alerts[0].count, 1);
    const rule = await api("GET", `/api/v1/rules/${RULE_ID}`);
    assert.equal(rule.body.runnable, true);
    assert.equal(rule.body.problem, undefined);
  });
});
