// End-to-end: e-mail analysis on a real server, in Chromium. The admin sets
// the org's own domain on the Mailboxes tab; a credential phish (lookalike
// sender, failed DMARC, a link whose text shows another site) is uploaded on
// the E-mail page and its verdict report is read: verdict, score, reasons,
// the Received chain and the mismatching link. The message is in the
// quarantine, downloads as .eml, and is released; the analysis also reached
// the event store as an ECS e-mail event.

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const testdata = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "internal", "email", "testdata");
const PHISH = join(testdata, "phish.eml");
const SUBJECT = "[Action required] Your password expires today";

describe("e-mail analysis: upload a phish, read the verdict, release it", { timeout: 240_000 }, () => {
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
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("email-")) rmSync(join(artifacts, f));
    run = await start("email");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("the E-mail page is in the navigation and starts empty", async ({ page }) => {
    await logIn(run, ADMIN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "E-mail" }).click();
    await page.getByRole("heading", { level: 1, name: "E-mail analysis" }).waitFor();
    await page.getByText("No message analysed yet.").waitFor();
  });

  step("the admin names the org's own domain", async ({ page }) => {
    await page.getByRole("tab", { name: "Mailboxes" }).click();
    await page.getByLabel("Own domains").fill("contoso.com");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    const s = await api("GET", "/api/v1/email/mailboxes");
    assert.deepEqual(s.body.policy.org_domains, ["contoso.com"]);
  });

  step("an uploaded phish gets a phishing verdict with its reasons", async ({ page }) => {
    await page.getByRole("tab", { name: "Analyse" }).click();
    await page.getByLabel("Message file (.eml)").setInputFiles(PHISH);
    await page.getByRole("button", { name: "Analyse" }).click();
    const verdict = page.getByRole("region", { name: "Verdict" });
    await verdict.getByText("Phishing", { exact: true }).waitFor();
    await verdict.getByRole("heading", { name: SUBJECT }).waitFor();
    const score = await verdict.getByLabel("Score").textContent();
    assert.match(score ?? "", /Score (\d+) \/ 100/);
    assert.ok(Number(/Score (\d+)/.exec(score ?? "")?.[1]) >= 60, score ?? "");
    const reasons = verdict.getByRole("table", { name: "Reasons" });
    await reasons.getByText("DMARC failed", { exact: false }).waitFor();
    await reasons.getByText('the sender domain imitates "contoso" (typo)').waitFor();
    await reasons.getByText("a link's text shows one site but it goes to another").waitFor();
    const chain = page.getByRole("table", { name: "Received chain" });
    await chain.getByText("203.0.113.77").waitFor();
    await page.getByText("Shows login.contoso.com, goes to contosso-login.top").waitFor();
    await screenshot(run, "verdict");
  });

  step("the phish is quarantined, downloads as .eml and is released", async ({ page }) => {
    await page.getByRole("tab", { name: "Quarantine" }).click();
    const row = page.getByRole("row").filter({ hasText: SUBJECT });
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: `Download ${SUBJECT}` }).click()]);
    const path = await download.path();
    assert.deepEqual(readFileSync(path), readFileSync(PHISH));
    assert.match(download.suggestedFilename(), /^quarantine-.*\.eml$/);
    await row.getByRole("button", { name: `Release ${SUBJECT}` }).click();
    await page.getByText("No message in quarantine.").waitFor();
    const q = await api("GET", "/api/v1/email/quarantine?status=released");
    assert.equal(q.body.total, 1);
    assert.equal(q.body.items[0].status, "released");
    await screenshot(run, "released");
  });

  step("the analysis reached the event store as an e-mail event", async () => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await api("GET", `/api/v1/events?query=${encodeURIComponent("event.category:email")}`);
      if (r.status === 200 && r.body.items.length > 0) {
        assert.match(JSON.stringify(r.body.items[0]), /helpdesk@contosso\.com/);
        break;
      }
      if (Date.now() > deadline) throw new Error(`no e-mail event: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.deepEqual(run.pageErrors, []);
  });
});
