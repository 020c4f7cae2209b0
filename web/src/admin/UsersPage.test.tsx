import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { User } from "../api/types";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, withRoles } from "../test/helpers";
import { UsersPage } from "./UsersPage";

afterEach(() => vi.unstubAllGlobals());

const ana: User = {
  ...makeMe({ id: "u-ana", email: "ana@example.test", name: "Ana", role: "analyst", team: "Tier 1" }),
};

describe("UsersPage", () => {
  it("lists users in a table", async () => {
    stubFetch(withRoles(() => json(200, { items: [makeMe(), ana], total: 2 })));
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const table = await screen.findByRole("table");
    const row = (await within(table).findByText("ana@example.test")).closest("tr");
    expect(row).not.toBeNull();
    expect(within(row as HTMLElement).getByText("Analyst")).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Role" })).toBeInTheDocument();
  });

  it("shows a 400's message next to the field it names", async () => {
    const { calls } = stubFetch(
      withRoles((call) =>
        call.method === "POST"
          ? json(400, { error: { code: "weak_password", message: "password is too short: use at least 12 characters", field: "password" } })
          : json(200, { items: [makeMe()], total: 1 }),
      ),
    );
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const dialog = screen.getByRole("dialog", { name: "New user" });
    await user.type(within(dialog).getByLabelText("E-mail"), "bo@example.test");
    await user.type(within(dialog).getByLabelText("Name"), "Bo");
    await user.selectOptions(within(dialog).getByLabelText("Role"), "viewer");
    await user.type(within(dialog).getByLabelText("Password"), "short");
    await user.type(within(dialog).getByLabelText("Team"), "Tier 2");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));

    const password = within(dialog).getByLabelText("Password");
    expect(await within(dialog).findByText("password is too short: use at least 12 characters")).toBeInTheDocument();
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveAccessibleDescription("password is too short: use at least 12 characters");
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();

    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      email: "bo@example.test",
      name: "Bo",
      role: "viewer",
      password: "short",
      team: "Tier 2",
      manager: "",
      computer: "",
      mobile_phone: "",
    });
  });

  it("shows an error without a field as a form-level alert", async () => {
    stubFetch(
      withRoles((call) =>
        call.method === "POST"
          ? json(409, { error: { code: "conflict", message: "a user with this e-mail already exists" } })
          : json(200, { items: [], total: 0 }),
      ),
    );
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const dialog = screen.getByRole("dialog", { name: "New user" });
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("a user with this e-mail already exists");
  });

  it("asks before deleting and calls DELETE", async () => {
    const { calls } = stubFetch(
      withRoles((call) => (call.method === "DELETE" ? new Response(null, { status: 204 }) : json(200, { items: [makeMe(), ana], total: 2 }))),
    );
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete Ana" }));
    const dialog = screen.getByRole("dialog", { name: "Delete user" });
    await user.click(within(dialog).getByRole("button", { name: "Delete user" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/v1/users/u-ana")).toBe(true));
    expect(screen.getByRole("button", { name: "Delete Alex Admin" })).toBeDisabled();
  });

  it("tells a 403 as refused access", async () => {
    stubFetch(() => json(403, { error: { code: "forbidden", message: "forbidden" } }));
    renderWithProviders(<UsersPage />, { me: makeMe({ role: "analyst" }) });
    expect(await screen.findByRole("alert")).toHaveTextContent("You do not have access to Users (your role: analyst).");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows a team lead a read-only table: no New user, Edit, Disable or Delete", async () => {
    const { calls } = stubFetch(withRoles(() => json(200, { items: [makeMe(), ana], total: 2 })));
    renderWithProviders(<UsersPage />, { me: makeMeAs("team_lead") });
    const table = await screen.findByRole("table", { name: "Users" });
    await within(table).findByText("ana@example.test");
    expect(screen.queryByRole("button", { name: "New user" })).not.toBeInTheDocument();
    expect(screen.getByText("View only: your role can see users but not change them.")).toBeInTheDocument();
    expect(within(table).queryAllByRole("button")).toHaveLength(0);
    expect(within(table).queryByRole("columnheader", { name: "Actions" })).not.toBeInTheDocument();
    // Finding people still works.
    expect(screen.getByLabelText("Search users")).toBeEnabled();
    expect(calls.every((c) => c.method === "GET")).toBe(true);
  });

  it("offers the server's roles, with the chosen role's description as help text", async () => {
    stubFetch(withRoles(() => json(200, { items: [makeMe()], total: 1 })));
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const role = within(screen.getByRole("dialog", { name: "New user" })).getByLabelText("Role");
    await vi.waitFor(() => expect(role).toHaveAccessibleDescription("Triage and investigation: reads data and works alerts and incidents."));
    expect(within(role).getAllByRole("option").map((o) => o.textContent)).toEqual(["Admin", "Team lead", "Senior analyst", "Analyst", "Viewer"]);
    await user.selectOptions(role, "team_lead");
    expect(role).toHaveAccessibleDescription("Leads a team: manages work groups and assigns work, plus everything an analyst can do.");
  });

  it("never offers the API-key-only ingest role for users, in the form or the filter", async () => {
    stubFetch(withRoles(() => json(200, { items: [makeMe()], total: 1 })));
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    const filter = await screen.findByLabelText("Role");
    await vi.waitFor(() => expect(within(filter).getAllByRole("option")).toHaveLength(6));
    expect(within(filter).queryByRole("option", { name: "Ingest" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "New user" }));
    const role = within(screen.getByRole("dialog", { name: "New user" })).getByLabelText("Role");
    expect(within(role).queryByRole("option", { name: "Ingest" })).not.toBeInTheDocument();
  });

  it("falls back to the known roles while the server's list is loading", async () => {
    stubFetch((call) => (call.url === "/api/v1/roles" ? new Promise<Response>(() => {}) : json(200, { items: [makeMe()], total: 1 })));
    renderWithProviders(<UsersPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const role = within(screen.getByRole("dialog", { name: "New user" })).getByLabelText("Role");
    expect(role).toHaveValue("analyst");
    expect(within(role).getAllByRole("option")).toHaveLength(5);
    expect(role).not.toHaveAccessibleDescription();
  });
});
