import { screen } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { AdminLayout } from "./AdminLayout";

afterEach(() => vi.unstubAllGlobals());

describe("AdminLayout", () => {
  it("refuses a role without users:read, and asks the API for nothing", () => {
    const { fn } = stubFetch(() => new Response(null, { status: 500 }));
    renderWithProviders(
      <Routes>
        <Route path="/admin" element={<AdminLayout />}>
          <Route path="users" element={<p>users data</p>} />
        </Route>
      </Routes>,
      { route: "/admin/users", me: makeMe({ role: "analyst", permissions: ["groups:read"] }) },
    );
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Administration (your role: analyst).");
    expect(screen.queryByText("users data")).not.toBeInTheDocument();
    expect(fn).not.toHaveBeenCalled();
  });

  it("shows the tabs to an admin, Organisations only to the platform admin", () => {
    renderWithProviders(
      <Routes>
        <Route path="/admin" element={<AdminLayout />} />
      </Routes>,
      { route: "/admin", me: makeMe() },
    );
    const tabs = screen.getByRole("navigation", { name: "Administration" });
    expect(tabs).toHaveTextContent("UsersWork groupsAPI keysAudit log");
    expect(screen.queryByRole("link", { name: "Organisations" })).not.toBeInTheDocument();
  });
});
