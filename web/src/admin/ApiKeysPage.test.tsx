import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { APIKey } from "../api/types";
import { json, makeMe, renderWithProviders, stubFetch, withRoles } from "../test/helpers";
import { ApiKeysPage } from "./ApiKeysPage";

afterEach(() => vi.unstubAllGlobals());

const soar: APIKey = {
  id: "k-1",
  name: "SOAR integration",
  role: "viewer",
  prefix: "esk_abcd",
  created_by: "u-admin",
  created_at: "2025-01-01T00:00:00Z",
  last_used_at: null,
  expires_at: null,
  revoked_at: null,
};

describe("ApiKeysPage", () => {
  it("lists keys without create or revoke controls when apikeys:write is missing", async () => {
    stubFetch(withRoles(() => json(200, { items: [soar] })));
    renderWithProviders(<ApiKeysPage />, { me: makeMe({ permissions: ["self", "apikeys:read"] }) });
    const table = await screen.findByRole("table", { name: "API keys" });
    await within(table).findByText("SOAR integration");
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it("offers the server's roles for a new key, viewer first chosen, with descriptions", async () => {
    const { calls } = stubFetch(
      withRoles((call) => (call.method === "POST" ? json(201, { ...soar, id: "k-2", name: "Ticketing", role: "analyst", key: "esk_secret" }) : json(200, { items: [soar] }))),
    );
    renderWithProviders(<ApiKeysPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New API key" }));
    const dialog = screen.getByRole("dialog", { name: "New API key" });
    const role = within(dialog).getByLabelText("Role");
    expect(role).toHaveValue("viewer");
    await vi.waitFor(() => expect(role).toHaveAccessibleDescription("Read-only access to dashboards and data."));
    await user.selectOptions(role, "analyst");
    await user.type(within(dialog).getByLabelText("Name"), "Ticketing");
    await user.click(within(dialog).getByRole("button", { name: "Create API key" }));
    expect(await screen.findByRole("region", { name: "New API key: Ticketing" })).toHaveTextContent("esk_secret");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Ticketing", role: "analyst", expires_in_days: 90 });
  });

  it("offers a key no more power than its creator's role", async () => {
    stubFetch(withRoles(() => json(200, { items: [] })));
    renderWithProviders(<ApiKeysPage />, { me: makeMe({ role: "team_lead", permissions: ["self", "apikeys:read", "apikeys:write"] }) });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New API key" }));
    const role = within(screen.getByRole("dialog", { name: "New API key" })).getByLabelText("Role");
    await vi.waitFor(() =>
      expect(within(role).getAllByRole("option").map((o) => o.textContent)).toEqual(["Team lead", "Senior analyst", "Analyst", "Viewer", "Ingest"]),
    );
  });

  it("offers the ingest role for keys that only send events, with its description", async () => {
    const { calls } = stubFetch(
      withRoles((call) => (call.method === "POST" ? json(201, { ...soar, id: "k-3", name: "Shipper", role: "ingest", key: "esk_ingest" }) : json(200, { items: [] }))),
    );
    renderWithProviders(<ApiKeysPage />, { me: makeMe() });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New API key" }));
    const dialog = screen.getByRole("dialog", { name: "New API key" });
    const role = within(dialog).getByLabelText("Role");
    await vi.waitFor(() => expect(within(role).getByRole("option", { name: "Ingest" })).toBeInTheDocument());
    await user.selectOptions(role, "ingest");
    expect(role).toHaveAccessibleDescription("API keys only: may send events (HTTP, Splunk HEC, Elasticsearch bulk) and nothing else.");
    await user.type(within(dialog).getByLabelText("Name"), "Shipper");
    await user.click(within(dialog).getByRole("button", { name: "Create API key" }));
    expect(await screen.findByRole("region", { name: "New API key: Shipper" })).toHaveTextContent("esk_ingest");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Shipper", role: "ingest", expires_in_days: 90 });
  });
});
