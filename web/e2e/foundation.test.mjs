// End-to-end: the real `eventsec serve` binary with its embedded UI, driven
// by Debian's Chromium through playwright-core. Run from web/ with
// `npm run e2e` (node --test e2e/) after `make build` in the repository root.
// Screenshots land in web/e2e/artifacts/.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const ANA = { email: "ana@e2e.test", name: "Ana Analyst", password: "Velvet-Comet-Orchard-97?" };

const NAV = [
  "Dashboard",
  "Events",
  "Hunting",
  "Alerts",
  "Incidents",
  "Rules",
  "Endpoints",
  "Vulnerabilities",
  "Threat Intel",
  "E-mail",
  "Sandbox",
  "Compliance",
  "Threat Map",
  "War Room",
  "Workplans",
  "Handovers",
  "SOC Metrics",
  "Administration",
];

describe("foundation: log in, administer, and be refused", { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  const step = stepper(it, () => run);
  const mainNav = () => run.page.getByRole("navigation", { name: "Main" });
  const adminTab = (name) => run.page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name });

  before(async () => {
    run = await start("foundation");
  });

  after(async () => {
    await stop(run);
    console.log(`e2e artifacts (screenshots, server log): ${artifacts}`);
  });

  step("the admin logs in and sees the app shell with every area", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/`);
    await page.waitForURL(/\/login/);
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await screenshot(run, "login");
    await logIn(run, ADMIN);
    assert.deepEqual(await mainNav().getByRole("link").allTextContents(), NAV);
    // A fresh server has no events: the dashboard says how to send some.
    await page.getByRole("heading", { name: "No events yet" }).waitFor();
    await screenshot(run, "dashboard-admin");
  });

  step("the admin creates an analyst", async ({ page }) => {
    await mainNav().getByRole("link", { name: "Administration" }).click();
    await page.waitForURL(/\/admin\/users$/);
    await page.getByRole("table", { name: "Users" }).getByRole("cell", { name: ADMIN.email }).waitFor();
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("E-mail").fill(ANA.email);
    await dialog.getByLabel("Name").fill(ANA.name);
    await dialog.getByLabel("Role").selectOption("analyst");
    await dialog.getByLabel("Password").fill(ANA.password);
    await dialog.getByLabel("Team").fill("Tier 1");
    await dialog.getByLabel("Manager").fill("Alex Admin");
    await dialog.getByLabel("Computer").fill("LT-042");
    await dialog.getByLabel("Mobile phone").fill("+34 600 000 000");
    await screenshot(run, "user-create-dialog");
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: ANA.email });
    await row.waitFor();
    assert.match(await row.innerText(), /Analyst/);
    await screenshot(run, "users");
  });

  step("the admin creates a work group with the analyst in it", async ({ page }) => {
    await adminTab("Work groups").click();
    await page.getByRole("button", { name: "New work group" }).click();
    const dialog = page.getByRole("dialog", { name: "New work group" });
    await dialog.getByLabel("Name").fill("Tier 1 analysts");
    await dialog.getByLabel("Description").fill("First-line triage of new alerts");
    await dialog.getByLabel("Find users to add").fill("ana@");
    await dialog.getByRole("button", { name: `Add ${ANA.name}` }).click();
    await dialog.getByRole("list", { name: "Chosen members" }).getByText(ANA.email).waitFor();
    await dialog.getByRole("button", { name: "Create work group" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("article", { name: "Tier 1 analysts" }).getByRole("cell", { name: ANA.email }).waitFor();
    await screenshot(run, "work-groups");
  });

  step("the admin creates an API key and sees it once", async ({ page, baseURL }) => {
    await adminTab("API keys").click();
    await page.getByRole("button", { name: "New API key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Name").fill("SOAR integration");
    await dialog.getByLabel("Role").selectOption("viewer");
    await dialog.getByLabel("Expires in (days)").fill("30");
    await dialog.getByRole("button", { name: "Create API key" }).click();
    const box = page.getByRole("region", { name: "New API key: SOAR integration" });
    await box.waitFor();
    const key = (await box.getByLabel("API key").innerText()).trim();
    assert.match(key, /^esk_/);
    await page.getByRole("row").filter({ hasText: "SOAR integration" }).waitFor();
    await screenshot(run, "api-key-created");

    // The key really authenticates.
    const me = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(me.status, 200, "GET /api/v1/me with the new API key");

    await box.getByRole("button", { name: "I have stored the key" }).click();
    await box.waitFor({ state: "hidden" });
    await page.reload();
    await page.getByRole("row").filter({ hasText: "SOAR integration" }).waitFor();
    assert.equal(await page.getByText(key).count(), 0, "the key is never shown again");
  });

  step("the admin reads the audit log and verifies its chain", async ({ page }) => {
    await adminTab("Audit log").click();
    const table = page.getByRole("table", { name: "Audit log, newest first" });
    await table.getByRole("cell", { name: "user.create" }).first().waitFor();
    await page.getByRole("button", { name: "Verify chain" }).click();
    await page.getByRole("status").filter({ hasText: "Chain intact" }).waitFor();
    await screenshot(run, "audit-log");
  });

  step("the admin logs out, and the session is gone", async ({ page, baseURL }) => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${baseURL}/admin/users`);
    await page.waitForURL(/\/login\?next=/);
  });

  step("the analyst logs in and is refused Administration", async ({ page, baseURL }) => {
    await logIn(run, ANA);
    assert.deepEqual(await mainNav().getByRole("link").allTextContents(), NAV.slice(0, -1));
    await screenshot(run, "dashboard-analyst");
    await page.goto(`${baseURL}/admin/users`);
    await page.getByRole("alert").filter({ hasText: "You do not have access to Administration (your role: analyst)." }).waitFor();
    assert.equal(await page.getByRole("table").count(), 0, "no data on a refused page");
    await screenshot(run, "admin-refused");
  });

  step("the analyst edits their profile", async ({ page }) => {
    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
    const team = page.getByLabel("Team");
    assert.equal(await team.inputValue(), "Tier 1");
    await team.fill("Night shift");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("status").filter({ hasText: "Profile saved." }).waitFor();
    await page.reload();
    assert.equal(await page.getByLabel("Team").inputValue(), "Night shift");
    await screenshot(run, "profile");
  });

  step("the analyst switches to the dark theme, and it sticks", async ({ page, baseURL }) => {
    const toggle = page.getByRole("button", { name: "Dark theme" });
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    await toggle.click();
    assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
    await screenshot(run, "profile-dark");
    await page.reload();
    assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
    await page.goto(`${baseURL}/events`);
    await page.getByRole("heading", { level: 1, name: "Events" }).waitFor();
    await screenshot(run, "events-dark");
  });

  step("the admin's tables read well in the dark theme too", async ({ page, baseURL }) => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await screenshot(run, "login-dark");
    await logIn(run, ADMIN);
    assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
    await page.goto(`${baseURL}/admin/users`);
    await page.getByRole("row").filter({ hasText: ANA.email }).waitFor();
    await screenshot(run, "users-dark");
    await page.goto(`${baseURL}/admin/audit`);
    await page.getByRole("cell", { name: "user.create" }).first().waitFor();
    await screenshot(run, "audit-log-dark");
  });

  step("the pages raised no uncaught errors", () => {
    assert.deepEqual(run.pageErrors.map(String), []);
  });
});
