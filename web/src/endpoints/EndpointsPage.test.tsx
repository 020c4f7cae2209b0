import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import type { Endpoint, EndpointList } from "./api";
import { makeEndpoint } from "./testdata";
import { EndpointsPage } from "./EndpointsPage";

afterEach(() => vi.unstubAllGlobals());

const READ = ["self", "endpoints:read"];
const WRITE = [...READ, "endpoints:write", "endpoints:respond"];

function page(items: Endpoint[]): EndpointList {
  const online = items.filter((e) => e.status === "online").length;
  return { items, total: items.length, counts: { active: items.length, online, offline: items.length - online, revoked: 0, by_os: { linux: items.length }, by_group: { servers: 1 } } };
}

describe("EndpointsPage", () => {
  it("refuses a role without endpoints:read", () => {
    stubFetch(() => json(500, {}));
    renderWithProviders(<EndpointsPage />, { me: makeMe({ permissions: ["self"] }) });
    expect(screen.getByRole("heading", { name: "Endpoints" })).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("lists endpoints with status and counts, filters in the query, no Add button for readers", async () => {
    const { calls } = stubFetch(() => json(200, page([makeEndpoint(), makeEndpoint({ id: "ep-2", name: "db-01", hostname: "db-01", status: "offline", isolated: true })])));
    renderWithProviders(<EndpointsPage />, { me: makeMe({ permissions: READ }), route: "/endpoints?status=offline&os=linux" });
    const table = await screen.findByRole("table", { name: "Endpoints" });
    expect(await within(table).findByRole("link", { name: "web-01" })).toHaveAttribute("href", "/endpoints/ep-1");
    const row = within(table).getByRole("link", { name: "db-01" }).closest("tr");
    expect(row).toHaveTextContent("Offline");
    expect(row).toHaveTextContent("Isolated");
    expect(screen.getByRole("list", { name: "Endpoint counts" })).toHaveTextContent("1 online");
    expect(calls[0]?.url).toContain("status=offline");
    expect(calls[0]?.url).toContain("os=linux");
    expect(screen.queryByRole("button", { name: "Add endpoint" })).not.toBeInTheDocument();
  });

  it("creates an enrollment key and shows the install line once", async () => {
    const { calls } = stubFetch((call) => {
      if (call.url === "/api/v1/enrollment-keys" && call.method === "POST") {
        return json(201, { id: "k1", name: "Laptops", prefix: "ese_abcdefgh", created_by: "u", created_at: "2026-11-23T10:00:00Z", expires_at: null, revoked_at: null, last_used_at: null, uses: 0, key: "ese_SECRETKEY" });
      }
      if (call.url === "/api/v1/agents/downloads") {
        return json(200, { items: [
          { platform: "linux-amd64", available: true, file_name: "eventsec-agent", url: "/api/v1/agents/download/linux-amd64", size: 12 << 20, sha256: "ab", built_at: "2026-11-23T10:00:00Z" },
          { platform: "windows-amd64", available: false, file_name: "eventsec-agent.exe", url: "/api/v1/agents/download/windows-amd64", size: 0, sha256: "", built_at: null },
        ] });
      }
      return json(200, page([]));
    });
    renderWithProviders(<EndpointsPage />, { me: makeMe({ permissions: WRITE }) });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add endpoint" }));
    const dialog = screen.getByRole("dialog", { name: "Add endpoint" });
    await user.type(within(dialog).getByLabelText("Key name"), "Laptops");
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));
    const line = await within(dialog).findByLabelText("Linux install command");
    expect((line as HTMLTextAreaElement).value).toMatch(/^curl -fsSL .*\/api\/v1\/agents\/download\/linux-amd64 -o eventsec-agent && sudo \.\/eventsec-agent install --url .* --enrollment-key ese_SECRETKEY$/);
    expect(within(dialog).getByLabelText("Enrollment key")).toHaveValue("ese_SECRETKEY");
    expect(await within(dialog).findByRole("link", { name: "linux-amd64" })).toHaveAttribute("href", "/api/v1/agents/download/linux-amd64");
    expect(within(dialog).getByText(/not built on this server/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Laptops", expires_in_days: 30 });
    expect(await screen.findByText(/No endpoint is enrolled yet/)).toBeInTheDocument();
  });
});
