// Shared by the e2e tests: start the real `eventsec serve` on a free port
// with a fresh data dir, launch Debian's Chromium through playwright-core,
// take screenshots, and tear everything down again.
//
// Environment: EVENTSEC_BIN (default ../bin/eventsec, relative to web/),
// CHROMIUM_PATH (default /usr/bin/chromium).

import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");

export const artifacts = join(here, "artifacts");
/** The shared GeoIP test databases (MaxMind's test data), beside the repository. */
export const geoipDir = resolve(webDir, "..", "..", "shared", "data", "geoip");
export const bin = resolve(webDir, process.env.EVENTSEC_BIN ?? "../bin/eventsec");
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Neither password may contain the local part of its e-mail: the server refuses that.
export const ADMIN = { email: "admin@e2e.test", password: "Quartz-Harbour-Lantern-42!" };

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the server and a browser page. `name` prefixes this run's
 * artifacts (screenshots, server log) so that test files can run in parallel.
 * `options.args` are extra `eventsec serve` flags; `options.browser: false`
 * starts the server alone (tests of a real client, no page).
 */
export async function start(name, options = {}) {
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(bin)) {
    throw new Error(`eventsec binary not found at ${bin}: run \`make build\` in the repository root first (or set EVENTSEC_BIN).`);
  }
  const withBrowser = options.browser !== false;
  if (withBrowser && !existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  const run = {
    name,
    baseURL: "",
    dataDir: mkdtempSync(join(tmpdir(), "eventsec-e2e-")),
    logFile: join(artifacts, `${name}-server.log`),
    /** @type {import("node:child_process").ChildProcess | undefined} */
    server: undefined,
    /** @type {import("playwright-core").Browser | undefined} */
    browser: undefined,
    /** @type {import("playwright-core").Page} */
    page: /** @type {any} */ (undefined),
    pageErrors: /** @type {Error[]} */ ([]),
    shots: 0,
  };
  const port = await freePort();
  run.baseURL = `http://127.0.0.1:${port}`;
  const log = createWriteStream(run.logFile);
  // The syslog listeners are off: suites run in parallel and would fight over port 5514.
  const args = ["serve", "--data-dir", run.dataDir, "--http-addr", `127.0.0.1:${port}`, "--syslog-udp-addr", "off", "--syslog-tcp-addr", "off", ...(options.args ?? [])];
  run.server = spawn(bin, args, {
    env: { ...process.env, EVENTSEC_ADMIN_EMAIL: ADMIN.email, EVENTSEC_ADMIN_PASSWORD: ADMIN.password },
    stdio: ["ignore", "pipe", "pipe"],
  });
  run.server.stdout?.pipe(log);
  run.server.stderr?.pipe(log);
  await waitReady(run, 30_000);

  if (!withBrowser) return run;
  run.browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  const context = await run.browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light", acceptDownloads: true });
  run.page = await context.newPage();
  run.page.setDefaultTimeout(10_000);
  run.page.on("pageerror", (err) => run.pageErrors.push(err));
  return run;
}

async function waitReady(run, timeoutMs) {
  const url = `${run.baseURL}/readyz`;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (run.server?.exitCode !== null && run.server?.exitCode !== undefined) {
      throw new Error(`eventsec exited with code ${run.server.exitCode} before it was ready; see ${run.logFile}`);
    }
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs / 1000}s (last: ${last}); see ${run.logFile}`);
}

/** Closes the browser, stops the server (SIGTERM, then SIGKILL) and removes the data dir. */
export async function stop(run) {
  if (!run) return;
  await run.browser?.close().catch(() => {});
  const proc = run.server;
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    await new Promise((done) => {
      const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      proc.once("exit", () => {
        clearTimeout(killer);
        done(undefined);
      });
      proc.kill("SIGTERM");
    });
  }
  rmSync(run.dataDir, { recursive: true, force: true });
}

export async function screenshot(run, name) {
  run.shots++;
  const file = join(artifacts, `${run.name}-${String(run.shots).padStart(2, "0")}-${name}.png`);
  await run.page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function logIn(run, who) {
  const { page } = run;
  await page.goto(`${run.baseURL}/login`);
  await page.getByLabel("E-mail").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
}

/**
 * The API as the admin, for tests that drive the server without a page:
 * `api(method, path, body, token)` answers `{status, body}`, and
 * `ingestKey(name)` creates an API key with the ingest role.
 */
export async function adminAPI(run) {
  const login = await fetch(`${run.baseURL}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const admin = (await login.json()).access_token;
  async function api(method, path, body, token = admin) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${run.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  async function ingestKey(name) {
    const created = await api("POST", "/api/v1/api-keys", { name, role: "ingest" });
    if (created.status !== 201) throw new Error(`cannot create an ingest key: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.key;
  }
  return { api, ingestKey };
}

/**
 * Sequential steps over one browser session: once a step fails the rest are
 * skipped, and the failing page is saved as a screenshot.
 */
export function stepper(it, getRun) {
  let broken = false;
  return (name, fn) =>
    it(name, async (t) => {
      if (broken) {
        t.skip("an earlier step failed");
        return;
      }
      try {
        await fn(getRun());
      } catch (err) {
        broken = true;
        const run = getRun();
        if (run?.page) await screenshot(run, `FAILED-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`).catch(() => {});
        throw err;
      }
    });
}
