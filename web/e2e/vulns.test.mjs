// End-to-end: vulnerability management from OSV data to the page. An admin
// imports an OSV file through the Import dialog and reads the per-file
// report; an agent enrolls over the real agent protocol (internal/agent/wire)
// and sends an inventory with an affected dpkg package; the Vulnerabilities
// page shows the finding with its severity, package, fixed version and the
// affected endpoint, and the drawer says why it matched. The Compliance page
// then shows the agent's configuration assessment.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const PROTOCOL = { "X-EventSec-Agent-Protocol": "1" };

const FACTS = {
  hostname: "e2e-vuln-01",
  os: "linux",
  platform: "debian",
  platform_version: "12",
  family: "debian",
  kernel_version: "6.1.0-18-amd64",
  arch: "amd64",
  machine_id: "e2e-vuln-machine",
  agent_version: "0.9.0",
  ips: ["10.9.8.9"],
};

// Hand-written OSV records in the shape Debian publishes: two advisories
// about one CVE (one row on the page), and a record of another package.
const OSV = JSON.stringify([
  {
    id: "DEBIAN-CVE-2023-5363",
    summary: "Incorrect cipher key and IV length processing",
    modified: "2024-01-11T00:00:00Z",
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }],
    affected: [{ package: { ecosystem: "Debian:12", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.11-1~deb12u2" }] }] }],
  },
  {
    id: "DSA-9001-1",
    summary: "openssl - security update",
    modified: "2024-01-10T00:00:00Z",
    upstream: ["CVE-2023-5363"],
    affected: [{ package: { ecosystem: "Debian:12", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.11-1~deb12u2" }] }] }],
  },
  {
    id: "DEBIAN-CVE-2024-10001",
    summary: "libxml2: flaw without a fix yet",
    modified: "2024-02-01T00:00:00Z",
    affected: [{ package: { ecosystem: "Debian:12", name: "libxml2" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }],
  },
]);

describe("vulnerabilities: OSV import, agent inventory, findings in the browser", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let agent = { id: "", token: "" };
  const step = stepper(it, () => run);

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function wire(method, path, body, auth = agent.token) {
    const headers = { ...PROTOCOL };
    if (auth) headers.Authorization = `Bearer ${auth}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("vulns-")) rmSync(join(artifacts, f));
    run = await start("vulns");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    await logIn(run, ADMIN);
  });

  after(async () => {
    await stop(run);
  });

  step("an empty Vulnerabilities page says how to get data", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/vulnerabilities`);
    await page.getByRole("heading", { level: 1, name: "Vulnerabilities" }).waitFor();
    await page.getByRole("heading", { name: "No vulnerability data yet" }).waitFor();
    await screenshot(run, "empty");
  });

  step("an admin imports an OSV file and reads the report per file", async ({ page }) => {
    await page.getByRole("button", { name: "Import OSV data" }).click();
    const dialog = page.getByRole("dialog", { name: "Import OSV data" });
    await dialog.getByLabel("OSV files").setInputFiles([
      { name: "debian-12.json", mimeType: "application/json", buffer: Buffer.from(OSV) },
      { name: "broken.json", mimeType: "application/json", buffer: Buffer.from('{"id": "X-1", "modified": ') },
    ]);
    await dialog.getByRole("button", { name: "Import" }).click();
    const good = dialog.getByRole("article", { name: "Report for debian-12.json" });
    await good.getByText(/3 records read: 3 new/).waitFor();
    const bad = dialog.getByRole("article", { name: "Report for broken.json" });
    await bad.getByRole("alert").waitFor();
    await dialog.getByText("The database now holds").waitFor();
    await screenshot(run, "import-report");
    await dialog.getByRole("button", { name: "Done" }).click();
  });

  step("an agent enrolls and sends an inventory with an affected dpkg package", async () => {
    const key = await api("POST", "/api/v1/enrollment-keys", { name: "E2E vulns", expires_in_days: 1 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const res = await wire("POST", "/api/v1/agents/enroll", { enrollment_key: key.body.key, facts: FACTS }, "");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    agent = { id: res.body.agent_id, token: res.body.token };
    const inv = await wire("POST", "/api/v1/agent/inventory", {
      collected_at: new Date().toISOString(),
      facts: FACTS,
      software: [
        { name: "openssl", version: "3.0.11-1~deb12u1", source: "dpkg" },
        { name: "libssl3", version: "3.0.11-1~deb12u1", source: "dpkg", source_name: "openssl" },
        { name: "bash", version: "5.2.15-2+b2", source: "dpkg" },
        { name: "libxml2", version: "2.9.14+dfsg-1.3~deb12u1", source: "dpkg" },
      ],
    });
    assert.equal(inv.status, 204, JSON.stringify(inv.body));
    const sca = await wire("POST", "/api/v1/agent/sca", {
      policy_id: "eventsec-debian-baseline",
      policy_name: "Debian/Ubuntu baseline",
      finished_at: new Date().toISOString(),
      score: 50,
      passed: 1,
      failed: 1,
      not_applicable: 0,
      checks: [
        { id: "ssh-root-login", title: "SSH root login is disabled", status: "fail", reason: "PermitRootLogin yes", severity: "high", remediation: "Set PermitRootLogin no in /etc/ssh/sshd_config" },
        { id: "shadow-perms", title: "/etc/shadow is not world-readable", status: "pass", reason: "mode 0640", severity: "medium" },
      ],
    });
    assert.equal(sca.status, 204, JSON.stringify(sca.body));
  });

  step("the Vulnerabilities page shows the finding, the drawer says why", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/vulnerabilities`);
    const table = page.getByRole("table", { name: "Vulnerabilities" });
    const row = table.getByRole("row").filter({ hasText: "CVE-2023-5363" });
    await row.getByText("High").waitFor();
    assert.match(await row.innerText(), /libssl3, openssl/);
    assert.match(await row.innerText(), /3\.0\.11-1~deb12u2/);
    assert.match(await row.innerText(), /DEBIAN-CVE-2023-5363, DSA-9001-1/);
    await table.getByRole("row").filter({ hasText: "CVE-2024-10001" }).getByText("no fix yet").waitFor();
    const kpis = page.getByRole("list", { name: "Vulnerabilities by severity" });
    await kpis.getByText("Affected endpoints").waitFor();
    await screenshot(run, "list");
    await row.getByRole("button", { name: "CVE-2023-5363", exact: true }).click();
    const drawer = page.getByRole("dialog", { name: "CVE-2023-5363" });
    const affected = drawer.getByRole("table", { name: "Affected endpoints" });
    await affected.getByRole("link", { name: "e2e-vuln-01" }).first().waitFor();
    await affected.getByText(/libssl3 3\.0\.11-1~deb12u1 \(source package openssl\) is in \[introduced 0, fixed 3\.0\.11-1~deb12u2\) of Debian:12/).first().waitFor();
    await screenshot(run, "drawer");
    await page.keyboard.press("Escape");
    // The severity KPI filters the table.
    await kpis.getByRole("button", { name: /Unrated/ }).click();
    // The unfiltered table stays on screen until the filtered page arrives:
    // wait for the rated CVE to leave, then check what remains.
    await table.getByRole("row").filter({ hasText: "CVE-2023-5363" }).first().waitFor({ state: "detached" });
    await table.getByRole("row").filter({ hasText: "CVE-2024-10001" }).waitFor();
    assert.equal(await table.getByRole("row").filter({ hasText: "CVE-2023-5363" }).count(), 0);
  });

  step("the endpoint's own tab lists the same vulnerabilities", async () => {
    const res = await api("GET", `/api/v1/endpoints/${agent.id}/vulnerabilities`);
    assert.equal(res.status, 200);
    assert.equal(res.body.available, true);
    assert.ok(res.body.items.some((v) => v.id === "DEBIAN-CVE-2023-5363" && v.package === "libssl3"), JSON.stringify(res.body));
  });

  step("the Compliance page shows the assessment and the failing check with its fix", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/compliance`);
    await page.getByRole("heading", { level: 1, name: "Compliance" }).waitFor();
    await page.getByRole("region", { name: "Average score" }).getByText("50 %").waitFor();
    const checks = page.getByRole("table", { name: "Failing checks" });
    await checks.getByText("Set PermitRootLogin no in /etc/ssh/sshd_config").waitFor();
    const eps = page.getByRole("table", { name: "Endpoint scores" });
    await eps.getByRole("row").filter({ hasText: "e2e-vuln-01" }).getByText("SSH root login is disabled").waitFor();
    await screenshot(run, "compliance");
  });
});
