import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
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
    renderApp("/threat-map");
    expect(await screen.findByRole("heading", { level: 1, name: "Threat Map" })).toBeInTheDocument();
    expect(screen.getByText("Ana")).toBeInTheDocument();
    expect(screen.getByText("Analyst")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Log out" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Profile" })).toHaveAttribute("href", "/profile");
  });
});
