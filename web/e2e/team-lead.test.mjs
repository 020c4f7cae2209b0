// End-to-end: what a team lead sees of Administration. The admin creates the
// team lead; the team lead reads users without changing them, runs work
// groups (finding a member beyond the first hundred users by search), and is
// refused the tabs of other roles even by URL.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const LEAD = { email: "lead@e2e.test", name: "Lee Lead", password: "Cobalt-Harbour-Meadow-64!" };
// Users are listed by e-mail: "zed" sorts after every filler, past the first 100.
const ZED = { email: "zed.watcher@e2e.test", name: "Zed Watcher", password: "Saffron-Glacier-Pylon-19!" };
const FILLERS = 104;

describe("team lead: read-only users, work groups, refused elsewhere", { timeout: 150_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  const step = stepper(it, () => run);
  const mainNav = () => run.page.getByRole("navigation", { name: "Main" });
  const adminTabs = () => run.page.getByRole("navigation", { name: "Administration" }).getByRole("link");
  /** Every API path the page asked for, to prove a refused tab fetched nothing. */
  const requested = [];

  async function adminToken() {
    const res = await fetch(`${run.baseURL}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    assert.equal(res.status, 200);
    return (await res.json()).access_token;
  }

  async function apiPost(token, path, body) {
    const res = await fetch(`${run.baseURL}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201, `POST ${path}: ${await res.clone().text()}`);
  }

  before(async () => {
    run = await start("team-lead");
    run.page.on("request", (req) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith("/api/")) requested.push(url.pathname);
    });
  });

  after(async () => {
    await stop(run);
  });

  step("the admin creates a team lead; the role's description is its help text", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await page.goto(`${baseURL}/admin/users`);
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("E-mail").fill(LEAD.email);
    await dialog.getByLabel("Name").fill(LEAD.name);
    await dialog.getByLabel("Role").selectOption("team_lead");
    await dialog.getByText("Leads a team: manages work groups and assigns work").waitFor();
    await dialog.getByLabel("Password").fill(LEAD.password);
    await dialog.getByLabel("Team").fill("SOC Tier 2");
    await screenshot(run, "create-team-lead");
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("row").filter({ hasText: LEAD.email }).filter({ hasText: "Team lead" }).waitFor();
  });

  step("the admin adds an analyst and a group named Night shift through the API", async () => {
    const token = await adminToken();
    await apiPost(token, "/api/v1/users", { ...ZED, role: "analyst", team: "SOC Tier 1" });
    await apiPost(token, "/api/v1/groups", { name: "Night shift", description: "22:00 to 06:00", member_ids: [] });
  });

  step("the team lead sees Administration with a read-only Users tab and Work groups", async ({ page }) => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await logIn(run, LEAD);
    await mainNav().getByRole("link", { name: "Administration" }).click();
    await page.waitForURL(/\/admin\/users$/);
    assert.deepEqual(await adminTabs().allTextContents(), ["Users", "Work groups", "Notifications"]);
    const table = page.getByRole("table", { name: "Users" });
    await table.getByRole("cell", { name: ZED.email }).waitFor();
    assert.equal(await table.getByRole("button").count(), 0, "no Edit, Disable or Delete");
    assert.equal(await page.getByRole("button", { name: "New user" }).count(), 0, "no New user");
    await screenshot(run, "users-read-only");
    const dark = page.getByRole("button", { name: "Dark theme" });
    await dark.click();
    await screenshot(run, "users-read-only-dark");
    await dark.click();
    assert.equal(await page.locator("html").getAttribute("data-theme"), "light");
  });

  step("the org grows past a hundred users", async () => {
    const token = await adminToken();
    const people = [];
    for (let i = 0; i < FILLERS; i++) {
      const n = String(i).padStart(3, "0");
      people.push({ email: `filler-${n}@e2e.test`, name: `Filler ${n}`, password: "Amber-Quarry-Stone-77!", role: "analyst" });
    }
    // A few at a time: each creation hashes a password.
    for (let i = 0; i < people.length; i += 8) {
      await Promise.all(people.slice(i, i + 8).map((p) => apiPost(token, "/api/v1/users", p)));
    }
  });

  step("the team lead creates a work group and adds a member found by search", async ({ page }) => {
    await adminTabs().filter({ hasText: "Work groups" }).click();
    await page.getByRole("article", { name: "Night shift" }).waitFor();
    await page.getByRole("button", { name: "New work group" }).click();
    const dialog = page.getByRole("dialog", { name: "New work group" });
    await dialog.getByLabel("Name").fill("Escalations");
    await dialog.getByLabel("Description").fill("Cases handed up from Tier 1");
    await dialog.getByLabel("Find users to add").fill("filler-103");
    await dialog.getByRole("button", { name: "Add Filler 103" }).click();
    await dialog.getByRole("list", { name: "Chosen members" }).getByText("filler-103@e2e.test").waitFor();
    await screenshot(run, "create-group-dialog");
    await dialog.getByRole("button", { name: "Create work group" }).click();
    await dialog.waitFor({ state: "hidden" });
    const group = page.getByRole("article", { name: "Escalations" });
    await group.getByRole("cell", { name: "filler-103@e2e.test" }).waitFor();

    const search = group.getByLabel("Add member to Escalations");
    await search.fill("filler");
    await group.getByText(`The first 20 of ${FILLERS} matches`).waitFor();
    await screenshot(run, "member-search");
    await search.fill("zed");
    await group.getByRole("button", { name: `Add ${ZED.name} to Escalations` }).click();
    await group.getByRole("cell", { name: ZED.email }).waitFor();
    assert.equal(await search.inputValue(), "", "the search is emptied once the member is in");
  });

  step("the team lead renames the group; a taken name is told next to the field", async ({ page }) => {
    await page.getByRole("button", { name: "Edit work group Escalations" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit work group Escalations" });
    const name = dialog.getByLabel("Name");
    await name.fill("Night shift");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.getByText('a work group named "Night shift" already exists').waitFor();
    assert.equal(await name.getAttribute("aria-invalid"), "true");
    await screenshot(run, "rename-conflict");
    await name.fill("Tier 2 escalations");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("article", { name: "Tier 2 escalations" }).getByRole("cell", { name: ZED.email }).waitFor();
    assert.equal(await page.getByRole("article", { name: "Escalations", exact: true }).count(), 0);
    await screenshot(run, "work-groups");
  });

  step("the team lead is refused the audit log, API keys and organisations by URL", async ({ page, baseURL }) => {
    for (const [path, area] of [
      ["audit", "the Audit log"],
      ["api-keys", "API keys"],
      ["orgs", "Organisations"],
    ]) {
      requested.length = 0;
      await page.goto(`${baseURL}/admin/${path}`);
      await page.getByRole("alert").filter({ hasText: `You do not have access to ${area} (your role: team lead).` }).waitFor();
      assert.equal(await page.getByRole("table").count(), 0, `no data on ${path}`);
      // The shell's open-alert counter (the team lead may read alerts) is
      // the only other request; nothing of the refused area is fetched.
      assert.deepEqual(requested.filter((p) => p !== "/api/v1/alerts/stats"), ["/api/v1/me"], `${path} fetched only the session`);
      if (path === "audit") await screenshot(run, "audit-refused");
    }
    assert.deepEqual(await adminTabs().allTextContents(), ["Users", "Work groups", "Notifications"]);
  });

  step("the work group screens read well in the dark theme", async ({ page, baseURL }) => {
    await page.getByRole("button", { name: "Dark theme" }).click();
    assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
    await page.goto(`${baseURL}/admin/audit`);
    await page.getByRole("alert").filter({ hasText: "You do not have access to the Audit log" }).waitFor();
    await screenshot(run, "audit-refused-dark");
    await page.goto(`${baseURL}/admin/groups`);
    const group = page.getByRole("article", { name: "Tier 2 escalations" });
    await group.getByLabel("Add member to Tier 2 escalations").fill("filler-01");
    await group.getByRole("button", { name: "Add Filler 010 to Tier 2 escalations" }).waitFor();
    await screenshot(run, "work-groups-dark");
    await page.getByRole("button", { name: "Edit work group Night shift" }).click();
    await page.getByRole("dialog", { name: "Edit work group Night shift" }).getByLabel("Name").fill("Tier 2 escalations");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText('a work group named "Tier 2 escalations" already exists').waitFor();
    await screenshot(run, "rename-conflict-dark");
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  step("the pages raised no uncaught errors", () => {
    assert.deepEqual(run.pageErrors.map(String), []);
  });
});
