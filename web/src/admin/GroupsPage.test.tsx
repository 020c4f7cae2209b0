import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Group, User } from "../api/types";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { GroupsPage } from "./GroupsPage";

afterEach(() => vi.unstubAllGlobals());

const ana: User = makeMe({ id: "u-ana", email: "ana@example.test", name: "Ana Analyst", role: "analyst" });
const bo: User = makeMe({ id: "u-bo", email: "bo@example.test", name: "Bo Responder", role: "senior_analyst" });

const nightShift: Group = {
  id: "g-night",
  org_id: "o-1",
  name: "Night shift",
  description: "Covers 22:00 to 06:00",
  members: [{ id: ana.id, email: ana.email, name: ana.name, role: ana.role }],
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
};

/** The groups list and a user search over ana and bo; `other` answers the rest. */
function server(other: (call: Call) => Response | undefined = () => undefined) {
  return stubFetch((call) => {
    const answer = other(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === "/api/v1/groups") return json(200, { items: [nightShift] });
    if (call.method === "GET" && call.url.startsWith("/api/v1/users?")) {
      const q = new URL(call.url, "http://x").searchParams.get("q") ?? "";
      const items = [ana, bo].filter((u) => u.name.toLowerCase().includes(q) || u.email.includes(q));
      return json(200, { items, total: items.length });
    }
    return json(500, { error: { code: "internal", message: `unexpected ${call.method} ${call.url}` } });
  });
}

describe("GroupsPage", () => {
  it("finds any user of the org through the search box and adds them", async () => {
    const { calls } = server((call) =>
      call.method === "PUT"
        ? json(200, { ...nightShift, members: [...nightShift.members, { id: bo.id, email: bo.email, name: bo.name, role: bo.role }] })
        : undefined,
    );
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const card = await screen.findByRole("article", { name: "Night shift" });
    // Nothing is listed (or fetched) before something is typed.
    expect(calls.some((c) => c.url.startsWith("/api/v1/users"))).toBe(false);

    const user = userEvent.setup();
    await user.type(within(card).getByLabelText("Add member to Night shift"), "bo");
    const results = await within(card).findByRole("list", { name: "Users matching “bo”" });
    // Debounced: one search for the settled text, limited to 20.
    const searches = calls.filter((c) => c.url.startsWith("/api/v1/users"));
    expect(searches.map((c) => c.url)).toEqual(["/api/v1/users?q=bo&limit=20"]);

    await user.click(within(results).getByRole("button", { name: "Add Bo Responder to Night shift" }));
    expect(await within(card).findByRole("cell", { name: "bo@example.test" })).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT" && c.url === "/api/v1/groups/g-night/members/u-bo")).toBe(true);
    expect(within(card).getByLabelText("Add member to Night shift")).toHaveValue("");
  });

  it("does not offer someone who is already a member", async () => {
    server();
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const card = await screen.findByRole("article", { name: "Night shift" });
    await userEvent.setup().type(within(card).getByLabelText("Add member to Night shift"), "ana");
    expect(await within(card).findByText("Every user who matches is already a member.")).toBeInTheDocument();
  });

  it("shows the server's refusal of a member next to the search box", async () => {
    server((call) =>
      call.method === "PUT"
        ? json(409, { error: { code: "conflict", message: 'bo@example.test is already a member of "Night shift"', field: "user_id" } })
        : undefined,
    );
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const card = await screen.findByRole("article", { name: "Night shift" });
    const user = userEvent.setup();
    const search = within(card).getByLabelText("Add member to Night shift");
    await user.type(search, "bo");
    await user.click(await within(card).findByRole("button", { name: "Add Bo Responder to Night shift" }));
    expect(await within(card).findByRole("alert")).toHaveTextContent('bo@example.test is already a member of "Night shift"');
    expect(search).toHaveAttribute("aria-invalid", "true");
    expect(search).toHaveAccessibleDescription('bo@example.test is already a member of "Night shift"');
    expect(search).toHaveValue("bo");
    // Searching again forgets the refusal.
    await user.type(search, "{Backspace}");
    expect(within(card).queryByRole("alert")).not.toBeInTheDocument();
    expect(search).not.toHaveAttribute("aria-invalid");
  });

  it("renames a group, sending only what changed", async () => {
    const { calls } = server((call) => (call.method === "PATCH" ? json(200, { ...nightShift, name: "Late shift" }) : undefined));
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit work group Night shift" }));
    const dialog = screen.getByRole("dialog", { name: "Edit work group Night shift" });
    expect(within(dialog).getByLabelText("Description")).toHaveValue("Covers 22:00 to 06:00");
    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "Late shift ");
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ url: "/api/v1/groups/g-night", body: { name: "Late shift" } });
  });

  it("shows a name conflict next to the Name field of the edit form", async () => {
    server((call) =>
      call.method === "PATCH"
        ? json(409, { error: { code: "conflict", message: 'a work group named "Day shift" already exists', field: "name" } })
        : undefined,
    );
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit work group Night shift" }));
    const dialog = screen.getByRole("dialog", { name: "Edit work group Night shift" });
    const name = within(dialog).getByLabelText("Name");
    await user.clear(name);
    await user.type(name, "Day shift");
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    expect(await within(dialog).findByText('a work group named "Day shift" already exists')).toBeInTheDocument();
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription('a work group named "Day shift" already exists');
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByRole("dialog", { name: "Edit work group Night shift" })).toBeInTheDocument();
  });

  it("shows an error without a field as an alert in the edit form", async () => {
    server((call) => (call.method === "PATCH" ? json(404, { error: { code: "not_found", message: "no such work group" } }) : undefined));
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit work group Night shift" }));
    const dialog = screen.getByRole("dialog", { name: "Edit work group Night shift" });
    await user.type(within(dialog).getByLabelText("Description"), " and weekends");
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("no such work group");
  });

  it("creates a group with members found by search", async () => {
    const { calls } = server((call) => (call.method === "POST" ? json(201, { ...nightShift, id: "g-new", name: "Tier 2" }) : undefined));
    renderWithProviders(<GroupsPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New work group" }));
    const dialog = screen.getByRole("dialog", { name: "New work group" });
    await user.type(within(dialog).getByLabelText("Name"), "Tier 2");
    const search = within(dialog).getByLabelText("Find users to add");
    await user.type(search, "example");
    await user.click(await within(dialog).findByRole("button", { name: "Add Bo Responder" }));
    await user.click(within(dialog).getByRole("button", { name: "Add Ana Analyst" }));
    const chosen = within(dialog).getByRole("list", { name: "Chosen members" });
    expect(within(chosen).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Bo Responder (bo@example.test)Remove",
      "Ana Analyst (ana@example.test)Remove",
    ]);
    await user.click(within(chosen).getByRole("button", { name: "Remove Ana Analyst" }));
    expect(within(chosen).getAllByRole("listitem")).toHaveLength(1);
    // Enter in the search box picks the single match left, and never submits the dialog.
    await user.type(search, "{Enter}");
    expect(within(chosen).getAllByRole("listitem")).toHaveLength(2);
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Create work group" }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Tier 2", description: "", member_ids: ["u-bo", "u-ana"] }),
    );
  });

  it.each([
    ["an analyst", makeMeAs("analyst")],
    ["a viewer", makeMeAs("viewer")],
  ])("shows %s (groups:read only) the groups without any control", async (_, me) => {
    const { calls } = server();
    renderWithProviders(<GroupsPage />, { me });
    const card = await screen.findByRole("article", { name: "Night shift" });
    expect(within(card).getByRole("cell", { name: "ana@example.test" })).toBeInTheDocument();
    expect(screen.queryAllByRole("button")).toHaveLength(0);
    expect(screen.queryByRole("searchbox")).not.toBeInTheDocument();
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/groups"]);
  });

  it("gives a team lead every group control", async () => {
    server();
    renderWithProviders(<GroupsPage />, { me: makeMeAs("team_lead") });
    const card = await screen.findByRole("article", { name: "Night shift" });
    expect(screen.getByRole("button", { name: "New work group" })).toBeInTheDocument();
    for (const name of ["Edit work group Night shift", "Delete work group Night shift", "Remove Ana Analyst from Night shift"]) {
      expect(within(card).getByRole("button", { name })).toBeInTheDocument();
    }
    expect(within(card).getByRole("searchbox", { name: "Add member to Night shift" })).toBeInTheDocument();
  });
});
