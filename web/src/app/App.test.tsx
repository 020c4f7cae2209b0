import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installFakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, stubFetch } from "../test/helpers";
import { AppRoutes } from "./App";

afterEach(() => vi.unstubAllGlobals());

function renderApp(route: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <AppRoutes />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("AppRoutes", () => {
  it("opens Rules and Alerts, and loads the rule editor on demand", { timeout: 30_000 }, async () => {
    installFakeWebSocket();
    stubFetch((call) => {
      const path = new URL(call.url, "http://localhost").pathname;
      if (path === "/api/v1/rules") return json(200, { rules: [], total: 0, facets: {} });
      if (path === "/api/v1/rules/validate") return json(200, { valid: true, errors: [], rule: null });
      if (path === "/api/v1/alerts") return json(200, { alerts: [], total: 0, next_cursor: "" });
      if (path === "/api/v1/alerts/stats") return json(200, { total: 3, open: 2, by_severity: {}, by_status: {}, top_rules: [] });
      return json(200, makeMe({ role: "analyst" }));
    });
    const { unmount } = renderApp("/rules");
    expect(await screen.findByRole("heading", { level: 1, name: "Detection rules" })).toBeInTheDocument();
    expect(await screen.findByText("No detection rules yet")).toBeInTheDocument();
    // The open alerts, counted beside Alerts in the navigation.
    const nav = screen.getByRole("navigation", { name: "Main" });
    await vi.waitFor(() => expect(within(nav).getByRole("link", { name: /^Alerts/ })).toHaveTextContent("Alerts2 open"));
    unmount();
    renderApp("/rules/new");
    // The editor's chunk (CodeMirror) loads on demand: give a busy machine time.
    expect(await screen.findByRole("textbox", { name: "Rule source (Sigma YAML)" }, { timeout: 20_000 })).toBeInTheDocument();
  });

  it("opens the alert queue", async () => {
    installFakeWebSocket();
    stubFetch((call) => {
      const path = new URL(call.url, "http://localhost").pathname;
      if (path === "/api/v1/alerts") return json(200, { alerts: [], total: 0, next_cursor: "" });
      if (path === "/api/v1/alerts/stats") return json(200, { total: 0, open: 0, by_severity: {}, by_status: {}, top_rules: [] });
      return json(200, makeMe({ role: "analyst" }));
    });
    renderApp("/alerts");
    expect(await screen.findByRole("heading", { level: 1, name: "Alerts" })).toBeInTheDocument();
    expect(await screen.findByText(/No alerts yet/)).toBeInTheDocument();
  });

  it("takes /dashboard to the dashboard", async () => {
    installFakeWebSocket();
    stubFetch(() => json(200, makeMe({ role: "analyst" })));
    renderApp("/dashboard");
    expect(await screen.findByRole("heading", { level: 1, name: "Dashboard" })).toBeInTheDocument();
    expect(screen.queryByText("Page not found")).not.toBeInTheDocument();
  });

  it("sends a visitor without a session to the login page", async () => {
    stubFetch(() => json(401, { error: { code: "unauthenticated", message: "sign in first" } }));
    renderApp("/events");
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
  });

  it("shows the shell and the area for a signed-in user", async () => {
    stubFetch(() => json(200, makeMe({ name: "Ana", role: "analyst", permissions: ["self", "groups:read"] })));
    renderApp("/incidents");
    expect(await screen.findByRole("heading", { level: 1, name: "Incidents" })).toBeInTheDocument();
    expect(screen.getByText("Ana")).toBeInTheDocument();
    expect(screen.getByText("Analyst")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Log out" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Profile" })).toHaveAttribute("href", "/profile");
  });

  it("loads Hunting on demand, also from the seed's /advanced-search", { timeout: 30_000 }, async () => {
    stubFetch((call) => {
      const path = new URL(call.url, "http://localhost").pathname;
      if (path === "/api/v1/search/kql/schema") return json(200, { tables: [], functions: [], aggregates: [], operators: [] });
      if (path === "/api/v1/search/kql/check") return json(200, { valid: true, errors: [] });
      return json(200, makeMe({ role: "analyst", permissions: ["self", "events:read"] }));
    });
    renderApp("/advanced-search?q=Syslog%20%7C%20take%205");
    // The chunk (CodeMirror and the KQL editor) loads on demand: give a busy machine time.
    expect(await screen.findByRole("heading", { level: 1, name: "Hunting" }, { timeout: 20_000 })).toBeInTheDocument();
    const editor = await screen.findByRole("textbox", { name: "KQL query" });
    expect(editor).toHaveTextContent("Syslog | take 5");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Hunting" })).toHaveAttribute("aria-current", "page");
  });

  it("loads the Threat Map on demand, honest about having no telemetry", { timeout: 20_000 }, async () => {
    installFakeWebSocket();
    stubFetch((call) =>
      call.url.startsWith("/api/v1/threatmap/summary")
        ? json(200, { attacks: [], top_source_countries: [], total: 0, with_location: 0 })
        : json(200, makeMe({ role: "analyst", permissions: ["self", "events:read"] })),
    );
    renderApp("/threat-map");
    // The chunk loads on demand: give a busy machine time.
    expect(await screen.findByRole("heading", { level: 1, name: "Threat Map" }, { timeout: 15_000 })).toBeInTheDocument();
    expect(await screen.findByText("NO LIVE TELEMETRY", undefined, { timeout: 5_000 })).toBeInTheDocument();
  });
});
