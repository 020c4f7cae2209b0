import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
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
  it("sends a visitor without a session to the login page", async () => {
    stubFetch(() => json(401, { error: { code: "unauthenticated", message: "sign in first" } }));
    renderApp("/events");
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
  });

  it("shows the shell and the area for a signed-in user", async () => {
    stubFetch(() => json(200, makeMe({ name: "Ana", role: "analyst", permissions: ["self", "groups:read"] })));
    renderApp("/hunting");
    expect(await screen.findByRole("heading", { level: 1, name: "Hunting" })).toBeInTheDocument();
    expect(screen.getByText("Ana")).toBeInTheDocument();
    expect(screen.getByText("Analyst")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Log out" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Profile" })).toHaveAttribute("href", "/profile");
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
