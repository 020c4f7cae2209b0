// Shared by the component tests: a signed-in user, providers, and a global
// fetch stub that answers like the server does.

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, useLocation } from "react-router";
import { vi } from "vitest";
import type { Me } from "../api/types";
import { MeProvider } from "../app/session";

/** What GET /api/v1/me lists per role (internal/auth/rbac.go). */
export const ROLE_PERMISSIONS = {
  admin: [
    "self",
    "roles:read",
    "users:read",
    "users:write",
    "groups:read",
    "groups:write",
    "apikeys:read",
    "apikeys:write",
    "audit:read",
    "events:read",
    "events:write",
    "searches:write",
    "settings:read",
    "settings:write",
    "rules:read",
    "rules:write",
    "alerts:read",
    "alerts:write",
  ],
  team_lead: ["self", "roles:read", "users:read", "groups:read", "groups:write", "events:read", "searches:write", "rules:read", "rules:write", "alerts:read", "alerts:write"],
  senior_analyst: ["self", "roles:read", "groups:read", "events:read", "searches:write", "rules:read", "rules:write", "alerts:read", "alerts:write"],
  analyst: ["self", "roles:read", "groups:read", "events:read", "searches:write", "rules:read", "rules:write", "alerts:read", "alerts:write"],
  viewer: ["self", "roles:read", "groups:read", "events:read", "rules:read", "alerts:read"],
} as const;

/** GET /api/v1/roles as the server answers it. */
export const ROLE_LIST = {
  items: [
    { name: "admin", description: "Full control of the organisation: users, keys, settings and every operation.", permissions: [...ROLE_PERMISSIONS.admin] },
    { name: "team_lead", description: "Leads a team: manages work groups and assigns work, plus everything an analyst can do.", permissions: [...ROLE_PERMISSIONS.team_lead] },
    { name: "senior_analyst", description: "Advanced analyst: everything an analyst can do, plus sensitive response actions.", permissions: [...ROLE_PERMISSIONS.senior_analyst] },
    { name: "analyst", description: "Triage and investigation: reads data and works alerts and incidents.", permissions: [...ROLE_PERMISSIONS.analyst] },
    { name: "viewer", description: "Read-only access to dashboards and data.", permissions: [...ROLE_PERMISSIONS.viewer] },
    {
      name: "ingest",
      description: "API keys only: may send events (HTTP, Splunk HEC, Elasticsearch bulk) and nothing else.",
      permissions: ["events:write"],
      api_key_only: true,
    },
  ],
};

/** A signed-in user: an org admin unless `overrides` say otherwise. */
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
    permissions: [...ROLE_PERMISSIONS.admin],
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

/** Where the router is now; updated by renderWithProviders on every navigation. */
export interface CurrentLocation {
  pathname: string;
  search: URLSearchParams;
}

function LocationProbe({ into }: { into: CurrentLocation }) {
  const loc = useLocation();
  into.pathname = loc.pathname;
  into.search = new URLSearchParams(loc.search);
  return null;
}

export function renderWithProviders(ui: ReactNode, { route = "/", me }: { route?: string; me?: Me } = {}) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const location: CurrentLocation = { pathname: "", search: new URLSearchParams() };
  const tree = me ? <MeProvider me={me}>{ui}</MeProvider> : ui;
  const result = render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        {tree}
        <LocationProbe into={location} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return Object.assign(result, { location, client });
}

/** A signed-in user with `role` and exactly that role's permissions. */
export function makeMeAs(role: keyof typeof ROLE_PERMISSIONS, overrides: Partial<Me> = {}): Me {
  return makeMe({ id: `u-${role}`, role, permissions: [...ROLE_PERMISSIONS[role]], ...overrides });
}

/** Wraps a fetch handler so that GET /api/v1/roles answers like the server. */
export function withRoles(handler: (call: Call) => Response | Promise<Response>) {
  return (call: Call) => (call.url === "/api/v1/roles" ? json(200, ROLE_LIST) : handler(call));
}
