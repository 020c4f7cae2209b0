import { screen, within } from "@testing-library/react";
import { Route, Routes, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { makeMe, makeMeAs, renderWithProviders, stubFetch } from "../test/helpers";
import { ADMIN_TABS } from "./access";
import { AdminIndex, AdminLayout, AdminTabGuard } from "./AdminLayout";

afterEach(() => vi.unstubAllGlobals());

function Where() {
  return <p data-testid="where">{useLocation().pathname}</p>;
}

/** Administration with stand-in pages that say which tab they are. */
function renderAdmin(route: string, me: Me) {
  return renderWithProviders(
    <>
      <Routes>
        <Route path="/admin" element={<AdminLayout />}>
          <Route index element={<AdminIndex />} />
          {ADMIN_TABS.map((t) => (
            <Route
              key={t.path}
              path={t.path}
              element={
                <AdminTabGuard path={t.path}>
                  <p>{t.title} page</p>
                </AdminTabGuard>
              }
            />
          ))}
        </Route>
      </Routes>
      <Where />
    </>,
    { route, me },
  );
}

const tabNames = () =>
  within(screen.getByRole("navigation", { name: "Administration" }))
    .getAllByRole("link")
    .map((a) => a.textContent);

describe("AdminLayout", () => {
  it("refuses a role with nothing to administer, and asks the API for nothing", () => {
    const { fn } = stubFetch(() => new Response(null, { status: 500 }));
    renderAdmin("/admin/users", makeMeAs("analyst"));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Administration (your role: analyst).");
    expect(screen.queryByText("Users page")).not.toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Administration" })).not.toBeInTheDocument();
    expect(fn).not.toHaveBeenCalled();
  });

  it("refuses an analyst the work groups tab too, though groups:read lets the API answer", () => {
    renderAdmin("/admin/groups", makeMeAs("analyst"));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Administration (your role: analyst).");
    expect(screen.queryByText("Work groups page")).not.toBeInTheDocument();
  });

  it.each([
    ["an org admin", makeMeAs("admin"), ["Users", "Work groups", "API keys", "Audit log", "Settings"]],
    [
      "a platform admin",
      makeMeAs("admin", { platform_admin: true, permissions: [...makeMeAs("admin").permissions, "platform:admin"] }),
      ["Users", "Work groups", "API keys", "Audit log", "Organisations", "Settings"],
    ],
    ["settings:read alone", makeMe({ permissions: ["self", "settings:read"] }), ["Settings"]],
    ["a team lead", makeMeAs("team_lead"), ["Users", "Work groups"]],
    ["audit:read alone", makeMe({ permissions: ["self", "audit:read"] }), ["Audit log"]],
    ["apikeys:read and groups:read", makeMe({ permissions: ["self", "apikeys:read", "groups:read"] }), ["Work groups", "API keys"]],
  ])("shows %s only the tabs their permissions allow", (_, me, tabs) => {
    renderAdmin("/admin/users", me);
    expect(tabNames()).toEqual(tabs);
  });

  it.each([
    [makeMeAs("admin"), "/admin/users", "Users page"],
    [makeMeAs("team_lead"), "/admin/users", "Users page"],
    [makeMe({ permissions: ["self", "audit:read"] }), "/admin/audit", "Audit log page"],
    [makeMe({ permissions: ["self", "apikeys:read"] }), "/admin/api-keys", "API keys page"],
  ])("sends /admin to the first allowed tab (%#)", async (me, path, page) => {
    renderAdmin("/admin", me);
    expect(await screen.findByText(page)).toBeInTheDocument();
    expect(screen.getByTestId("where")).toHaveTextContent(path);
  });

  it.each([
    ["/admin/audit", "the Audit log", "Audit log page"],
    ["/admin/api-keys", "API keys", "API keys page"],
    ["/admin/orgs", "Organisations", "Organisations page"],
  ])("refuses a team lead %s by its URL, names it, and fetches nothing", (route, area, page) => {
    const { fn } = stubFetch(() => new Response(null, { status: 500 }));
    renderAdmin(route, makeMeAs("team_lead"));
    expect(screen.getByRole("alert")).toHaveTextContent(`You do not have access to ${area} (your role: team lead).`);
    expect(screen.queryByText(page)).not.toBeInTheDocument();
    // The tabs the team lead may open stay in reach.
    expect(tabNames()).toEqual(["Users", "Work groups"]);
    expect(fn).not.toHaveBeenCalled();
  });

  it("refuses Organisations to an org admin who is not a platform admin", () => {
    renderAdmin("/admin/orgs", makeMeAs("admin"));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Organisations (your role: admin).");
  });
});
