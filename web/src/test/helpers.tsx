// Shared by the component tests: a signed-in user, providers, and a global
// fetch stub that answers like the server does.

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import type { Me } from "../api/types";
import { MeProvider } from "../app/session";

export function makeMe(overrides: Partial<Me> = {}): Me {
  return {
    id: "u-admin",
    org_id: "o-1",
    email: "admin@example.test",
    name: "Alex Admin",
    role: "admin",
    team: "SOC",
    manager: "",
    computer: "",
    mobile_phone: "",
    disabled: false,
    platform_admin: false,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    last_login_at: null,
    password_changed_at: "2025-01-01T00:00:00Z",
    permissions: ["users:read", "users:write"],
    ...overrides,
  };
}

export function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Replaces global fetch; `handler` answers each request, every call is recorded. */
export function stubFetch(handler: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const call: Call = {
      method: init?.method ?? "GET",
      url: String(input),
      headers,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return handler(call);
  });
  vi.stubGlobal("fetch", fn);
  return { fn, calls };
}

export function renderWithProviders(ui: ReactNode, { route = "/", me }: { route?: string; me?: Me } = {}) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const tree = me ? <MeProvider me={me}>{ui}</MeProvider> : ui;
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>{tree}</MemoryRouter>
    </QueryClientProvider>,
  );
}
