// End-to-end: the rest of Administration and the profile against the real
// server: field errors, edit/disable/delete users, group members, key
// revocation, audit filters and paging, organisations, password change.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const BO = { email: "bo@e2e.test", name: "Bo Responder", password: "Granite-Meadow-Falcon-58!" };
const CY = { email: "cy@e2e.test", name: "Cy Temp", password: "Copper-Violet-Sunrise-31!" };

describe("administration actions and profile", { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  const step = stepper(it, () => run);
  const adminTab = (name) => run.page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name });
  const userRow = (email) => run.page.getByRole("row").filter({ hasText: email });

  async function apiLogin(who) {
    const res = await fetch(`${run.baseURL}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: who.email, password: who.password }),
    });
    return res;
  }

  async function createUser(page, who, role) {
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("E-mail").fill(who.email);
    await dialog.getByLabel("Name").fill(who.name);
    await dialog.getByLabel("Role").selectOption(role);
    await dialog.getByLabel("Password").fill(who.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.waitFor({ state: "hidden" });
    await userRow(who.email).waitFor();
  }

  before(async () => {
    run = await start("admin-actions");
  });

  after(async () => {
    await stop(run);
  });

  step("the server's field errors show next to their fields", async ({ page, baseURL }) => {
    await logIn(run, ADMIN);
    await page.goto(`${baseURL}/admin/users`);
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("E-mail").fill("not-an-address");
    await dialog.getByLabel("Name").fill("Nobody");
    await dialog.getByLabel("Password").fill(BO.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await dialog.getByLabel("E-mail").getAttribute("aria-invalid"), "true");

    await dialog.getByLabel("E-mail").fill(BO.email);
    await dialog.getByLabel("Password").fill("password");
    await dialog.getByRole("button", { name: "Create user" }).click();
    await page.waitForFunction(() => document.querySelector("[aria-invalid='true']")?.getAttribute("type") === "password");
    await screenshot(run, "weak-password");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
  });

  step("the admin edits a user's role and profile", async ({ page }) => {
    await createUser(page, BO, "analyst");
    await createUser(page, CY, "viewer");
    await page.getByRole("button", { name: `Edit ${BO.name}` }).click();
    const dialog = page.getByRole("dialog", { name: `Edit ${BO.name}` });
    await dialog.getByLabel("Role").selectOption("senior_analyst");
    await dialog.getByLabel("Team").fill("Incident response");
    await dialog.getByLabel("Mobile phone").fill("+34 611 222 333");
    await screenshot(run, "user-edit-dialog");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.waitFor({ state: "hidden" });
    await userRow(BO.email).filter({ hasText: "Senior analyst" }).filter({ hasText: "Incident response" }).waitFor();

    await page.getByLabel("Role", { exact: true }).selectOption("senior_analyst");
    await page.getByRole("row").filter({ hasText: ADMIN.email }).waitFor({ state: "detached" });
    assert.equal(await userRow(BO.email).count(), 1);
    await page.getByLabel("Role", { exact: true }).selectOption("");
    await page.getByLabel("Search users").fill("cy@");
    await userRow(BO.email).waitFor({ state: "detached" });
    await userRow(CY.email).waitFor();
    await page.getByLabel("Search users").fill("");
    await userRow(BO.email).waitFor();
  });

  step("the admin disables and re-enables a user; a disabled user cannot log in", async ({ page }) => {
    await page.getByRole("button", { name: `Disable ${BO.name}` }).click();
    await userRow(BO.email).filter({ hasText: "Disabled" }).waitFor();
    assert.equal((await apiLogin(BO)).status, 401, "a disabled user cannot log in");
    await screenshot(run, "user-disabled");
    await page.getByRole("button", { name: `Enable ${BO.name}` }).click();
    await userRow(BO.email).filter({ hasText: "Active" }).waitFor();
    assert.equal((await apiLogin(BO)).status, 200, "an enabled user can log in again");
    assert.equal(await userRow(ADMIN.email).getByRole("button", { name: /^Disable / }).isDisabled(), true, "no disabling oneself");
  });

  step("the admin deletes a user after confirming", async ({ page }) => {
    await page.getByRole("button", { name: `Delete ${CY.name}` }).click();
    const dialog = page.getByRole("dialog", { name: "Delete user" });
    await screenshot(run, "user-delete-confirm");
    await dialog.getByRole("button", { name: "Delete user" }).click();
    await dialog.waitFor({ state: "hidden" });
    await userRow(CY.email).waitFor({ state: "detached" });
  });

  step("the admin adds and removes work group members, then deletes the group", async ({ page }) => {
    await adminTab("Work groups").click();
    await page.getByText("No work groups yet.").waitFor();
    await page.getByRole("button", { name: "New work group" }).click();
    const dialog = page.getByRole("dialog", { name: "New work group" });
    await dialog.getByLabel("Name").fill("Night shift");
    await dialog.getByRole("button", { name: "Create work group" }).click();
    await dialog.waitFor({ state: "hidden" });
    const group = page.getByRole("article", { name: "Night shift" });
    await group.getByText("No members yet.").waitFor();
    await group.getByLabel("Add member to Night shift").fill("bo@");
    await group.getByRole("button", { name: `Add ${BO.name} to Night shift` }).click();
    await group.getByRole("cell", { name: BO.email }).waitFor();
    await screenshot(run, "group-member-added");
    await group.getByRole("button", { name: `Remove ${BO.name} from Night shift` }).click();
    await group.getByText("No members yet.").waitFor();
    await group.getByRole("button", { name: "Delete work group Night shift" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete work group" });
    await confirm.getByRole("button", { name: "Delete work group" }).click();
    await page.getByText("No work groups yet.").waitFor();
  });

  step("the admin revokes an API key; it stops working", async ({ page, baseURL }) => {
    await adminTab("API keys").click();
    await page.getByRole("button", { name: "New API key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Name").fill("Ticketing");
    await dialog.getByRole("button", { name: "Create API key" }).click();
    const key = (await page.getByRole("region", { name: "New API key: Ticketing" }).getByLabel("API key").innerText()).trim();
    await page.getByRole("button", { name: "I have stored the key" }).click();
    await page.getByRole("button", { name: "Revoke Ticketing" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke API key" });
    await confirm.getByRole("button", { name: "Revoke key" }).click();
    await confirm.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Revoke Ticketing" }).waitFor({ state: "detached" });
    const res = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(res.status, 401, "a revoked key is refused");
    await screenshot(run, "api-key-revoked");
  });

  step("the audit log filters by action and pages with Load more", async ({ page, baseURL }) => {
    // Sixty profile edits through the API make the log longer than a page.
    const login = await apiLogin(ADMIN);
    const { access_token: token } = await login.json();
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${baseURL}/api/v1/me`, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ computer: `LT-${i}` }),
      });
      assert.equal(res.status, 200);
    }
    await adminTab("Audit log").click();
    const table = page.getByRole("table", { name: "Audit log, newest first" });
    const rows = table.locator("tbody tr");
    await page.getByRole("button", { name: "Load more" }).waitFor();
    assert.equal(await rows.count(), 50);
    await page.getByRole("button", { name: "Load more" }).click();
    await page.waitForFunction(() => document.querySelectorAll("tbody tr").length > 50);

    await page.getByLabel("Action").fill("apikey.");
    await page.getByRole("button", { name: "Apply filters" }).click();
    // The filtered page replaces the unfiltered one (a moment with no rows
    // between them): wait for rows that are all the filter's.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll("tbody tr td:nth-child(3)")];
      return cells.length > 0 && cells.length < 50 && cells.every((c) => c.textContent.startsWith("apikey."));
    });
    const actions = await table.locator("tbody tr td:nth-child(3)").allInnerTexts();
    assert.ok(actions.length >= 2, `expected the key create and revoke entries, got ${actions.join(", ")}`);
    assert.ok(actions.every((a) => a.startsWith("apikey.")), `only apikey.* actions, got ${actions.join(", ")}`);
    await screenshot(run, "audit-filtered");
  });

  step("the platform admin creates an organisation and sees its password once", async ({ page }) => {
    await adminTab("Organisations").click();
    await page.getByRole("row").filter({ hasText: "Default" }).waitFor();
    await page.getByRole("button", { name: "New organisation" }).click();
    const dialog = page.getByRole("dialog", { name: "New organisation" });
    await dialog.getByLabel("Organisation name").fill("Acme Corp");
    await dialog.getByLabel("Admin e-mail").fill("soc-lead@acme.test");
    await dialog.getByLabel("Admin name").fill("Dana Lead");
    await dialog.getByRole("button", { name: "Create organisation" }).click();
    const box = page.getByRole("region", { name: "Organisation Acme Corp created" });
    const password = (await box.getByLabel("Generated password").innerText()).trim();
    assert.ok(password.length >= 12, "a generated password is shown");
    await page.getByRole("row").filter({ hasText: "Acme Corp" }).waitFor();
    await screenshot(run, "org-created");
    assert.equal((await apiLogin({ email: "soc-lead@acme.test", password })).status, 200, "the new org's admin can log in");
  });

  step("a user changes their password: wrong current, weak new, then success", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/profile`);
    const form = page.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill("not-my-password");
    await form.getByLabel("New password", { exact: true }).fill("Ocean-Tundra-Whistle-73!");
    await form.getByLabel("Confirm new password").fill("Ocean-Tundra-Whistle-73!");
    await form.getByRole("button", { name: "Change password" }).click();
    await page.waitForFunction(() => document.querySelector("[aria-invalid='true']")?.getAttribute("autocomplete") === "current-password");
    assert.equal(await form.getByLabel("Current password").getAttribute("aria-invalid"), "true");
    assert.match(page.url(), /\/profile$/, "a wrong current password does not end the session");

    await form.getByLabel("Current password").fill(ADMIN.password);
    await form.getByLabel("New password", { exact: true }).fill("password1");
    await form.getByLabel("Confirm new password").fill("password1");
    await form.getByRole("button", { name: "Change password" }).click();
    await page.waitForFunction(() => document.querySelector("[aria-invalid='true']")?.getAttribute("autocomplete") === "new-password");
    await screenshot(run, "password-weak");

    await form.getByLabel("New password", { exact: true }).fill("Ocean-Tundra-Whistle-73!");
    await form.getByLabel("Confirm new password").fill("Ocean-Tundra-Whistle-73!");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    // The fresh session keeps working.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
    assert.equal((await apiLogin({ email: ADMIN.email, password: "Ocean-Tundra-Whistle-73!" })).status, 200);
  });

  step("the pages raised no uncaught errors", () => {
    assert.deepEqual(run.pageErrors.map(String), []);
  });
});
