import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, stubFetch } from "../test/helpers";
import { ApiError } from "./client";
import { KqlError, huntingApi, isKqlError, isQueryTimeout, runKql } from "./hunting";

afterEach(() => vi.unstubAllGlobals());

const RESULT = {
  columns: [{ name: "TimeGenerated", type: "datetime" }],
  rows: [["2026-11-23T10:00:00Z"]],
  stats: { rows: 1, elapsed_ms: 12, scanned: 40 },
  truncated: false,
  query_id: "h-1",
};

describe("runKql", () => {
  it("POSTs the query, range and limit with the CSRF header and returns the result", async () => {
    document.cookie = "es_csrf=tok; path=/";
    const { calls } = stubFetch(() => json(200, RESULT));
    const req = { query: "SecurityEvent | take 1", from: "2026-11-22T10:00:00.000Z", to: "2026-11-23T10:00:00.000Z", limit: 100 };
    await expect(runKql(req)).resolves.toEqual(RESULT);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "POST", url: "/api/v1/search/kql", body: req });
    expect(calls[0]?.headers["x-csrf-token"]).toBe("tok");
    expect(calls[0]?.headers["content-type"]).toBe("application/json");
  });

  it("throws a KqlError carrying the line and column of a refused query", async () => {
    stubFetch(() => json(400, { error: { code: "kql_syntax", message: "expected an expression", field: "query", line: 2, column: 17 } }));
    const err = await runKql({ query: "T\n| where x ==" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KqlError);
    expect(err).toBeInstanceOf(ApiError);
    expect(isKqlError(err)).toBe(true);
    expect(err).toMatchObject({ status: 400, code: "kql_syntax", message: "expected an expression", field: "query", line: 2, column: 17 });
  });

  it("keeps a semantic error's position, and 0 when the server gives none", async () => {
    stubFetch(() => json(400, { error: { code: "kql_semantic", message: "unknown column 'Foo'" } }));
    const err = await runKql({ query: "T | where Foo == 1" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "kql_semantic", line: 0, column: 0 });
  });

  it("other refusals are plain ApiErrors", async () => {
    stubFetch(() => json(400, { error: { code: "validation_failed", message: "limit must be from 1 to 10000", field: "limit" } }));
    const err = await runKql({ query: "T", limit: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isKqlError(err)).toBe(false);
    expect(err).toMatchObject({ status: 400, code: "validation_failed", field: "limit" });
  });

  it.each([
    [504, { error: { code: "query_timeout", message: "the query ran longer than the time limit" } }],
    [408, { error: { code: "query_timeout", message: "too slow" } }],
    [504, undefined],
  ])("tells a timeout (%i)", async (status, body) => {
    stubFetch(() => (body ? json(status, body) : new Response("gateway timeout", { status })));
    const err = await runKql({ query: "T" }).catch((e: unknown) => e);
    expect(isQueryTimeout(err)).toBe(true);
    expect(err).toMatchObject({ status, code: "query_timeout" });
  });

  it("refreshes an expired session through the API client, then runs again", async () => {
    let runs = 0;
    const { calls } = stubFetch((call) => {
      if (call.url === "/api/v1/search/kql") {
        runs++;
        return runs === 1 ? json(401, { error: { code: "token_expired", message: "expired" } }) : json(200, RESULT);
      }
      if (call.url === "/api/v1/me") return json(200, makeMe());
      return json(404, {});
    });
    await expect(runKql({ query: "T" })).resolves.toEqual(RESULT);
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/search/kql", "/api/v1/me", "/api/v1/search/kql"]);
  });

  it("reports an unreachable server, and passes a cancellation on as such", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(runKql({ query: "T" })).rejects.toMatchObject({ status: 0, code: "network_error" });
    const ctl = new AbortController();
    vi.stubGlobal("fetch", vi.fn((_u: string, init: RequestInit) => new Promise((_r, reject) => init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))));
    const done = runKql({ query: "T" }, ctl.signal);
    ctl.abort();
    await expect(done).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("huntingApi", () => {
  it("checks, reads the schema, history and saved queries, and saves, updates and deletes", async () => {
    const { calls } = stubFetch((call) => (call.method === "DELETE" ? new Response(null, { status: 204 }) : json(200, {})));
    await huntingApi.check("T | take 1");
    await huntingApi.schema();
    await huntingApi.history(50);
    await huntingApi.listSaved();
    await huntingApi.createSaved({ name: "Phish", description: "d", query: "T" });
    await huntingApi.updateSaved("s/1", { name: "Phish 2", query: "T | take 2" });
    await huntingApi.deleteSaved("s/1");
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ["POST", "/api/v1/search/kql/check", { query: "T | take 1" }],
      ["GET", "/api/v1/search/kql/schema", undefined],
      ["GET", "/api/v1/search/kql/history?limit=50", undefined],
      ["GET", "/api/v1/search/kql/saved", undefined],
      ["POST", "/api/v1/search/kql/saved", { name: "Phish", description: "d", query: "T" }],
      ["PUT", "/api/v1/search/kql/saved/s%2F1", { name: "Phish 2", query: "T | take 2" }],
      ["DELETE", "/api/v1/search/kql/saved/s%2F1", undefined],
    ]);
  });

  it("passes a duplicate name on as the server said it (409 on the name)", async () => {
    stubFetch(() => json(409, { error: { code: "conflict", message: "a saved query with this name already exists", field: "name" } }));
    await expect(huntingApi.createSaved({ name: "Phish", query: "T" })).rejects.toMatchObject({ status: 409, code: "conflict", field: "name" });
  });
});
