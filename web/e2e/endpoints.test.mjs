// End-to-end: endpoints enrolled and driven through the real agent protocol
// from node (internal/agent/wire), seen in the browser. The list starts
// empty and says how to add an agent; "Add endpoint" creates an enrollment
// key with the install line; an agent enrolls with it, heartbeats with
// metrics and sends its inventory; the list shows it online; its page shows
// the overview, processes and software; ownership is edited; an action is
// queued after confirmation, picked up by the agent's long poll, and its
// result appears without a reload.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const PROTOCOL = { "X-EventSec-Agent-Protocol": "1" };

const FACTS = {
  hostname: "e2e-web-01",
  os: "linux",
  platform: "debian",
  platform_version: "12",
  family: "debian",
  kernel_version: "6.1.0-18-amd64",
  arch: "amd64",
  machine_id: "e2e-machine",
  agent_version: "0.9.0",
  ips: ["10.9.8.7"],
};

describe("endpoints: enrolled over the agent protocol, managed from the browser", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let enrollmentKey = "";
  let agent = { id: "", token: "" };
  const step = stepper(it, () => run);

  async function api(method, path, body, auth = token) {
    const headers = { Authorization: `Bearer ${auth}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** One agent-channel call, as eventsec-agent makes it. */
  async function wire(method, path, body, auth = agent.token) {
    const headers = { ...PROTOCOL };
    if (auth) headers.Authorization = `Bearer ${auth}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("endpoints-")) rmSync(join(artifacts, f));
    run = await start("endpoints");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    await logIn(run, ADMIN);
  });

  after(async () => {
    await stop(run);
  });

  step("an empty Endpoints page says how to add one", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/endpoints`);
    await page.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
    await page.getByText("No endpoint is enrolled yet").waitFor();
    await screenshot(run, "empty");
  });

  step("Add endpoint creates a key and shows the install line once", async ({ page }) => {
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Add endpoint" });
    await dialog.getByLabel("Key name").fill("E2E servers");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const line = dialog.getByLabel("Linux install command");
    await line.waitFor();
    const text = await line.inputValue();
    assert.match(text, /^curl -fsSL http:\/\/127\.0\.0\.1:\d+\/api\/v1\/agents\/download\/linux-amd64 -o eventsec-agent && sudo \.\/eventsec-agent install --url http:\/\/127\.0\.0\.1:\d+ --enrollment-key ese_\S+$/);
    enrollmentKey = await dialog.getByLabel("Enrollment key").inputValue();
    assert.ok(enrollmentKey.startsWith("ese_"));
    await screenshot(run, "add-endpoint");
    await dialog.getByRole("button", { name: "Done" }).click();
  });

  step("an agent enrolls, heartbeats and sends its inventory over the wire protocol", async () => {
    const bad = await wire("POST", "/api/v1/agents/enroll", { enrollment_key: enrollmentKey + "x", facts: FACTS }, "");
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, "invalid_enrollment_key");
    const res = await wire("POST", "/api/v1/agents/enroll", { enrollment_key: enrollmentKey, facts: FACTS, name: "" }, "");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    agent = { id: res.body.agent_id, token: res.body.token };
    assert.ok(agent.token.startsWith("esa_"));
    const now = Date.now();
    const hb = await wire("POST", "/api/v1/agent/heartbeat", {
      agent_version: "0.9.0",
      sent_at: new Date(now).toISOString(),
      config_version: res.body.config.version,
      isolated: false,
      metrics: [
        { at: new Date(now - 120_000).toISOString(), cpu_percent: 12, mem_used_bytes: 2 ** 30, mem_total_bytes: 4 * 2 ** 30, disk_used_bytes: 10 * 2 ** 30, disk_total_bytes: 40 * 2 ** 30, net_rx_bytes: 1000, net_tx_bytes: 500, uptime_seconds: 3600 },
      ],
      status: { rss_bytes: 25 * 2 ** 20, cpu_percent: 0.3, throttled: false, spool_bytes: 0, spool_dropped: 0, events_sent: 0 },
    });
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    const inv = await wire("POST", "/api/v1/agent/inventory", {
      collected_at: new Date(now).toISOString(),
      facts: FACTS,
      hardware: { cpu_model: "E2E Xeon", cpu_cores: 4, memory_bytes: 4 * 2 ** 30, disk_bytes: 40 * 2 ** 30 },
      interfaces: [{ name: "eth0", addrs: ["10.9.8.7/24"], up: true, mac: "02:00:00:00:00:01" }],
      listening: [{ protocol: "tcp", address: "0.0.0.0", port: 22, pid: 812, process: "sshd" }],
      processes: [
        { pid: 1, ppid: 0, name: "systemd", user: "root" },
        { pid: 812, ppid: 1, name: "sshd", cmdline: "/usr/sbin/sshd -D", user: "root" },
      ],
      users: [{ user: "ana", terminal: "pts/0", host: "10.9.8.1" }],
      software: [
        { name: "openssl", version: "3.0.11-1~deb12u2", source: "dpkg" },
        { name: "openssh-server", version: "1:9.2p1-2+deb12u2", source: "dpkg" },
      ],
    });
    assert.equal(inv.status, 204, JSON.stringify(inv.body));
    const forged = await wire("POST", "/api/v1/agent/heartbeat", {}, agent.token.slice(0, -4) + "AAAA");
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, "invalid_agent_token");
  });

  step("the list shows it online", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/endpoints`);
    const table = page.getByRole("table", { name: "Endpoints" });
    const row = table.getByRole("row").filter({ hasText: "e2e-web-01" });
    await row.getByText("Online").waitFor();
    await page.getByRole("list", { name: "Endpoint counts" }).getByText("online").waitFor();
    await screenshot(run, "list");
    await row.getByRole("link", { name: "e2e-web-01" }).click();
    await page.getByRole("heading", { level: 1, name: "e2e-web-01" }).waitFor();
  });

  step("its page shows the system, processes and software; ownership is edited", async ({ page }) => {
    await page.getByText("E2E Xeon (4 cores)").waitFor();
    const form = page.getByRole("form", { name: "Ownership" });
    await form.getByLabel("Owner").fill("Ana García");
    await form.getByLabel("Location").fill("Madrid DC");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByText("Saved.").waitFor();
    await screenshot(run, "overview");
    await page.getByRole("tab", { name: "Processes" }).click();
    await page.getByLabel("Search processes").fill("sshd");
    await page.getByRole("table", { name: "Processes" }).getByText("/usr/sbin/sshd -D").waitFor();
    await page.getByRole("tab", { name: "Software" }).click();
    await page.getByRole("table", { name: "Software" }).getByText("openssh-server").waitFor();
    await page.getByRole("tab", { name: "Network" }).click();
    await page.getByRole("table", { name: "Listening ports" }).getByText("sshd (812)").waitFor();
    await page.getByRole("tab", { name: "Metrics" }).click();
    await page.getByRole("img", { name: /^CPU %: 12%/ }).waitFor();
    const ep = await api("GET", `/api/v1/endpoints/${agent.id}`);
    assert.equal(ep.body.owner, "Ana García");
    assert.equal(ep.body.location, "Madrid DC");
  });

  step("an action is confirmed, delivered by long poll, and its result appears", async ({ page }) => {
    await page.getByRole("tab", { name: "Actions" }).click();
    const form = page.getByRole("form", { name: "New action" });
    await form.getByLabel(/Command/).fill("uptime");
    await form.getByLabel("Reason").fill("e2e triage");
    await form.getByRole("button", { name: "Queue action" }).click();
    const dialog = page.getByRole("dialog", { name: "Run a command on e2e-web-01?" });
    await dialog.getByRole("button", { name: "Queue it" }).click();
    const table = page.getByRole("table", { name: "Actions" });
    await table.getByText("queued", { exact: true }).waitFor();
    const polled = await wire("GET", "/api/v1/agent/actions?wait=5s");
    assert.equal(polled.status, 200);
    assert.equal(polled.body.actions.length, 1);
    const action = polled.body.actions[0];
    assert.deepEqual(action.params, { argv: ["uptime"] });
    const done = await wire("POST", `/api/v1/agent/actions/${action.id}/result`, {
      status: "done",
      output: " 10:00:00 up 3 days,  2 users,  load average: 0.01",
      exit_code: 0,
      finished_at: new Date().toISOString(),
    });
    assert.equal(done.status, 204, JSON.stringify(done.body));
    await table.getByText("up 3 days").waitFor({ timeout: 15_000 });
    await table.getByText("done", { exact: true }).waitFor();
    await screenshot(run, "actions");
    // A command outside the allow-list is refused by the server.
    const refused = await api("POST", `/api/v1/endpoints/${agent.id}/actions`, { type: "run_command", params: { argv: ["/bin/sh", "-c", "id"] }, reason: "x" });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "policy_refused");
  });

  step("revoking the agent refuses it at once", async ({ page }) => {
    await page.getByRole("button", { name: "Revoke agent" }).click();
    await page.getByRole("dialog", { name: "Revoke e2e-web-01?" }).getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
    const hb = await wire("POST", "/api/v1/agent/heartbeat", { agent_version: "0.9.0" });
    assert.equal(hb.status, 401);
    assert.equal(hb.body.error.code, "agent_revoked");
    assert.deepEqual(run.pageErrors, []);
  });
});
