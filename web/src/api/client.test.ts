import { afterEach, describe, expect, it, vi } from "vitest";
import { json, stubFetch } from "../test/helpers";
import { ApiClient, ApiError, readCookie } from "./client";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ApiClient", () => {
  it("sends the es_csrf cookie as X-CSRF-Token on POST, with same-origin credentials", async () => {
    document.cookie = "es_csrf=tok-123; path=/";
    const { fn, calls } = stubFetch(() => json(201, { id: "g1" }));
    const client = new ApiClient();
    await client.createGroup({ name: "Tier 1", description: "", member_ids: [] });

    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe("POST");
    expect(calls[0]?.url).toBe("/api/v1/groups");
    expect(calls[0]?.headers["x-csrf-token"]).toBe("tok-123");
    expect(calls[0]?.headers["content-type"]).toBe("application/json");
    expect(calls[0]?.body).toEqual({ name: "Tier 1", description: "", member_ids: [] });
    expect(fn.mock.calls[0]?.[1]?.credentials).toBe("same-origin");
  });

  it("sends no CSRF header on GET", async () => {
    document.cookie = "es_csrf=tok-123; path=/";
    const { calls } = stubFetch(() => json(200, { items: [], total: 0 }));
    await new ApiClient().listUsers({ q: "ana", role: "", limit: 50 });
    expect(calls[0]?.headers["x-csrf-token"]).toBeUndefined();
    expect(calls[0]?.url).toBe("/api/v1/users?q=ana&limit=50");
  });

  it("turns the error body into an ApiError with status, code, message and field", async () => {
    stubFetch(() =>
      json(400, { error: { code: "validation_failed", message: "email is not a valid e-mail address", field: "email" } }),
    );
    const err = await new ApiClient().createUser({
      email: "nope",
      name: "",
      role: "analyst",
      password: "x",
      team: "",
      manager: "",
      computer: "",
      mobile_phone: "",
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(400);
    expect(apiErr.code).toBe("validation_failed");
    expect(apiErr.message).toBe("email is not a valid e-mail address");
    expect(apiErr.field).toBe("email");
  });

  it("describes an error without a JSON body by its status", async () => {
    stubFetch(() => new Response("upstream down", { status: 502, statusText: "Bad Gateway" }));
    const err = (await new ApiClient().me().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.code).toBe("http_502");
    expect(err.field).toBeUndefined();
  });

  it("refreshes once on 401 and retries the original request", async () => {
    document.cookie = "es_csrf=tok-1; path=/";
    let meCalls = 0;
    const { calls } = stubFetch((call) => {
      if (call.url === "/api/v1/auth/refresh") return json(200, { csrf_token: "tok-2" });
      meCalls++;
      return meCalls === 1
        ? json(401, { error: { code: "invalid_token", message: "token expired" } })
        : json(200, { id: "u1", permissions: [] });
    });
    const onSessionLost = vi.fn();
    const me = await new ApiClient({ onSessionLost }).me();

    expect(me.id).toBe("u1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET /api/v1/me",
      "POST /api/v1/auth/refresh",
      "GET /api/v1/me",
    ]);
    expect(calls[1]?.body).toEqual({});
    expect(calls[1]?.headers["x-csrf-token"]).toBe("tok-1");
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("shares one refresh between concurrent 401s", async () => {
    let refreshed = false;
    const { calls } = stubFetch((call) => {
      if (call.url === "/api/v1/auth/refresh") {
        refreshed = true;
        return json(200, {});
      }
      return refreshed ? json(200, { items: [] }) : json(401, { error: { code: "unauthenticated", message: "no" } });
    });
    const client = new ApiClient({ onSessionLost: vi.fn() });
    await Promise.all([client.listGroups(), client.listAPIKeys()]);
    expect(calls.filter((c) => c.url === "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("reports a lost session when the refresh fails, and throws the 401", async () => {
    const { calls } = stubFetch((call) =>
      call.url === "/api/v1/auth/refresh"
        ? json(401, { error: { code: "invalid_token", message: "refresh token revoked" } })
        : json(401, { error: { code: "unauthenticated", message: "sign in first" } }),
    );
    const onSessionLost = vi.fn();
    const err = (await new ApiClient({ onSessionLost }).listUsers().catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(401);
    expect(err.code).toBe("unauthenticated");
    expect(onSessionLost).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
  });

  it("never refreshes for a failed login", async () => {
    const { calls } = stubFetch(() => json(401, { error: { code: "invalid_credentials", message: "wrong e-mail or password" } }));
    const onSessionLost = vi.fn();
    const err = (await new ApiClient({ onSessionLost }).login({ email: "a@b.c", password: "x" }).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("invalid_credentials");
    expect(calls).toHaveLength(1);
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("returns undefined for 204 and passes the AbortSignal to fetch", async () => {
    const { fn } = stubFetch(() => new Response(null, { status: 204 }));
    const controller = new AbortController();
    await expect(new ApiClient().deleteUser("u 1", controller.signal)).resolves.toBeUndefined();
    expect(fn.mock.calls[0]?.[0]).toBe("/api/v1/users/u%201");
    expect(fn.mock.calls[0]?.[1]?.signal).toBe(controller.signal);
  });

  it("reads cookies by exact name", () => {
    document.cookie = "x_es_csrf=wrong; path=/";
    document.cookie = "es_csrf=a%20b; path=/";
    expect(readCookie("es_csrf")).toBe("a b");
    expect(readCookie("missing")).toBeUndefined();
  });
});
