import { afterEach, describe, expect, it, vi } from "vitest";
import { installFakeXHR } from "../test/fakeXhr";
import { json, makeMe, stubFetch } from "../test/helpers";
import { ApiError } from "./client";
import { detectionApi, importRules } from "./detection";

afterEach(() => vi.unstubAllGlobals());

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("detectionApi", () => {
  it("sends the rule filters and alert lists as query parameters", async () => {
    const { calls } = stubFetch(() => json(200, {}));
    await detectionApi.listRules({ q: " ps ", level: "high", technique: "T1059", enabled: "false", limit: 50, offset: 100 });
    await detectionApi.listAlerts({ status: ["new", "acknowledged"], severity: ["critical"], rule: "r-1", q: "", limit: 50, cursor: "c2" });
    await detectionApi.alertStats({ from: "2026-11-22T10:00:00.000Z" });
    expect(calls.map((c) => c.url)).toEqual([
      "/api/v1/rules?q=ps&level=high&technique=T1059&enabled=false&limit=50&offset=100",
      "/api/v1/alerts?status=new%2Cacknowledged&severity=critical&rule=r-1&limit=50&cursor=c2",
      "/api/v1/alerts/stats?from=2026-11-22T10%3A00%3A00.000Z",
    ]);
  });

  it("tests a saved rule on its own path and an unsaved one on /rules/test", async () => {
    const { calls } = stubFetch(() => json(200, {}));
    await detectionApi.testRule({ limit: 100 }, "r/1");
    await detectionApi.testRule({ format: "json", source: "{}" });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ["POST", "/api/v1/rules/r%2F1/test", { limit: 100 }],
      ["POST", "/api/v1/rules/test", { format: "json", source: "{}" }],
    ]);
  });
});

describe("importRules", () => {
  it("uploads the file with the CSRF header and reports progress", async () => {
    const XHR = installFakeXHR();
    document.cookie = "es_csrf=abc; path=/";
    const progress: number[] = [];
    const done = importRules(new File(["rules"], "pack.zip"), (p) => progress.push(p.loaded));
    const xhr = XHR.latest();
    expect(xhr.headers["x-csrf-token"]).toBe("abc");
    xhr.progress(3, 5);
    xhr.progress(5, 5);
    xhr.respond(200, { loaded: 2, updated: 0, unchanged: 0, failed: [], skipped: [], elapsed_ms: 9 });
    await expect(done).resolves.toEqual({
      loaded: 2,
      updated: 0,
      unchanged: 0,
      updated_rules: [],
      conflicts: [],
      failed: [],
      not_runnable: [],
      other_not_runnable: 0,
      exceptions_restored: 0,
      skipped: [],
      elapsed_ms: 9,
    });
    expect(progress).toEqual([3, 5]);
  });

  it("sends the pack and the disabled and overwrite options", async () => {
    const XHR = installFakeXHR();
    const done = importRules(new File(["rules"], "pack.zip"), () => {}, undefined, { pack: "sigmahq", disabled: true, overwrite: true });
    const form = XHR.latest().body as FormData;
    expect([form.get("pack"), form.get("disabled"), form.get("overwrite")]).toEqual(["sigmahq", "true", "true"]);
    XHR.latest().respond(200, { loaded: 1, updated: 0, unchanged: 0, failed: [], skipped: [], elapsed_ms: 1 });
    await done;
    const plain = importRules(new File(["rules"], "pack.zip"), () => {});
    const bare = XHR.latest().body as FormData;
    expect([bare.get("pack"), bare.get("disabled"), bare.get("overwrite")]).toEqual([null, null, null]);
    XHR.latest().respond(200, { loaded: 1, updated: 0, unchanged: 0, failed: [], skipped: [], elapsed_ms: 1 });
    await plain;
  });

  it("refreshes an expired session once and uploads again", async () => {
    const XHR = installFakeXHR();
    const { calls } = stubFetch((call) => (call.url === "/api/v1/me" ? json(200, makeMe()) : json(200, {})));
    const done = importRules(new File(["rules"], "pack.zip"), () => {});
    XHR.latest().respond(401, { error: { code: "token_expired", message: "expired" } });
    await vi.waitFor(() => expect(XHR.instances).toHaveLength(2));
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/me"]);
    XHR.latest().respond(200, { loaded: 1, updated: 0, unchanged: 0, failed: [], skipped: [], elapsed_ms: 1 });
    await expect(done).resolves.toMatchObject({ loaded: 1 });
  });

  it("throws the server's error as an ApiError", async () => {
    const XHR = installFakeXHR();
    const done = importRules(new File(["x"], "x.yml"), () => {});
    XHR.latest().respond(413, { error: { code: "too_large", message: "the pack is larger than 64 MiB", field: "file" } });
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 413, code: "too_large", message: "the pack is larger than 64 MiB", field: "file" });
  });

  it("stops when aborted", async () => {
    const XHR = installFakeXHR();
    const ctl = new AbortController();
    const done = importRules(new File(["x"], "x.yml"), () => {}, ctl.signal);
    await flush();
    ctl.abort();
    await expect(done).rejects.toMatchObject({ name: "AbortError" });
    expect(XHR.latest().aborted).toBe(true);
  });
});
