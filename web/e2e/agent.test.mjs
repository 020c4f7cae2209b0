// End-to-end with the real endpoint agent: the eventsec-agent binary
// (EVENTSEC_AGENT_BIN, built by `make e2e`) runs on this machine against
// the real server, enrolls with a key made through the API, and is then
// seen and driven from the browser: online in the list, this machine's
// software on its page, a command queued from the UI executed by the agent
// and its output shown.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const AGENT = process.env.EVENTSEC_AGENT_BIN;

describe("the real agent, managed from the browser", { timeout: 240_000, skip: AGENT ? false : "EVENTSEC_AGENT_BIN is not set (make e2e sets it): skipping the real-agent browser test" }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  let token = "";
  let agent;
  let dataDir = "";
  let output = "";
  const host = hostname();
  const step = stepper(it, () => run);

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    run = await start("agent");
    const login = await fetch(`${run.baseURL}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ADMIN) });
    token = (await login.json()).access_token;
    await logIn(run, ADMIN);
  });

  after(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      // The agent saves its state as it stops: remove its directory only
      // once it has exited (it raced the removal on CI: ENOTEMPTY).
      const exited = new Promise((resolve) => agent.once("exit", resolve));
      agent.kill("SIGTERM");
      const timer = setTimeout(() => agent.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    try {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } finally {
      // Always: a server left running keeps this file's process alive.
      await stop(run);
    }
  });

  step("the agent enrolls with a key and shows online", async ({ page, baseURL }) => {
    const settings = await api("GET", "/api/v1/endpoints/config");
    assert.equal(settings.status, 200);
    const cur = settings.body.settings;
    const put = await api("PUT", "/api/v1/endpoints/config", { ...cur, command_allow_list: ["uname"], journald: false, log_files: [], fim: { ...cur.fim, paths: [] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const key = await api("POST", "/api/v1/enrollment-keys", { name: "browser e2e" });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    dataDir = mkdtempSync(join(tmpdir(), "eventsec-agent-e2e-"));
    agent = spawn(AGENT, ["run"], {
      env: { ...process.env, EVENTSEC_API_URL: baseURL, EVENTSEC_ENROLLMENT_KEY: key.body.key, EVENTSEC_AGENT_DATA_DIR: dataDir,
        EVENTSEC_AGENT_CONFIG: join(dataDir, "agent_config.json"), EVENTSEC_AGENT_INTERVAL: "1s" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    agent.stdout.on("data", (d) => (output += d));
    agent.stderr.on("data", (d) => (output += d));
    // The list is fetched when opened: open it again until the agent is in.
    const row = page.getByRole("table", { name: "Endpoints" }).getByRole("row").filter({ hasText: host });
    for (let i = 0; ; i++) {
      await page.goto(`${baseURL}/endpoints`);
      try {
        await row.getByText("Online").waitFor({ timeout: 3_000 });
        break;
      } catch (e) {
        if (i >= 10) throw new Error(`the agent did not show online: ${e}\nagent output:\n${output}`);
      }
    }
    await screenshot(run, "list");
    await row.getByRole("link").first().click();
  });

  step("its page shows this machine's software", async ({ page }) => {
    await page.getByRole("tab", { name: "Software" }).click();
    await page.getByRole("table", { name: "Software" }).getByRole("cell", { name: "bash", exact: true }).first().waitFor({ timeout: 30_000 });
    await screenshot(run, "software");
  });

  step("a command queued from the browser runs on the agent and its output appears", async ({ page }) => {
    await page.getByRole("tab", { name: "Actions" }).click();
    const form = page.getByRole("form", { name: "New action" });
    await form.getByLabel(/Command/).fill("uname -s");
    await form.getByLabel("Reason").fill("real agent e2e");
    await form.getByRole("button", { name: "Queue action" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Queue it" }).click();
    const table = page.getByRole("table", { name: "Actions" });
    await table.getByText("Linux").waitFor({ timeout: 30_000 });
    await table.getByText("done").waitFor();
    await screenshot(run, "action");
  });
});
