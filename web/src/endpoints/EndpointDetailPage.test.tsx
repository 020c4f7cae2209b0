import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import type { Action } from "./api";
import { EndpointDetailPage } from "./EndpointDetailPage";
import { makeEndpoint } from "./testdata";

afterEach(() => vi.unstubAllGlobals());

const RESPOND = ["self", "endpoints:read", "endpoints:respond"];

function render(handler: (c: Call) => Response, permissions: string[] = RESPOND) {
  const stub = stubFetch(handler);
  const r = renderWithProviders(
    <Routes>
      <Route path="/endpoints/:id" element={<EndpointDetailPage />} />
      <Route path="/endpoints" element={<p>list</p>} />
    </Routes>,
    { me: makeMe({ permissions }), route: "/endpoints/ep-1" },
  );
  return { ...stub, ...r };
}

const queued: Action = {
  id: "a1", agent_id: "ep-1", type: "run_command", params: { argv: ["uptime"] }, reason: "triage", state: "queued", created_by: "u",
  created_at: "2026-11-23T10:00:00Z", expires_at: "2026-11-23T11:00:00Z", delivered_at: null, finished_at: null, exit_code: 0, output: "", error: "", file: null,
};

describe("EndpointDetailPage", () => {
  it("shows the overview, read-only ownership without endpoints:write", async () => {
    render((c) => (c.url.endsWith("/inventory") ? json(200, { received_at: null, inventory: null }) : json(200, makeEndpoint())));
    expect(await screen.findByRole("heading", { name: "web-01" })).toBeInTheDocument();
    const form = screen.getByRole("form", { name: "Ownership" });
    expect(within(form).getByLabelText("Owner")).toHaveValue("Ana");
    expect(within(form).getByLabelText("Owner")).toHaveAttribute("readonly");
    expect(within(form).queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  });

  it("searches processes on the server", async () => {
    const { calls } = render((c) => {
      if (c.url.includes("/processes")) return json(200, { items: [{ pid: 812, ppid: 1, name: "sshd", cmdline: "/usr/sbin/sshd -D", user: "root" }], total: 1 });
      if (c.url.endsWith("/inventory")) return json(200, { received_at: null, inventory: null });
      return json(200, makeEndpoint());
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("tab", { name: "Processes" }));
    await user.type(screen.getByLabelText("Search processes"), "ssh");
    const table = await screen.findByRole("table", { name: "Processes" });
    expect(await within(table).findByText("/usr/sbin/sshd -D")).toBeInTheDocument();
    await vi.waitFor(() => expect(calls.some((c) => c.url.includes("/processes?q=ssh"))).toBe(true));
  });

  it("shows the software once the agent sends its inventory, without reopening the page", async () => {
    let asked = 0;
    const inventory = {
      collected_at: "2026-11-23T10:00:00Z", facts: {}, hardware: { cpu_model: "", cpu_cores: 2, memory_bytes: 0, disk_bytes: 0 },
      interfaces: null, listening: null, processes: null, users: null, software: [{ name: "bash", version: "5.2", source: "dpkg" }],
    };
    render((c) => {
      if (c.url.endsWith("/inventory")) {
        asked++;
        return json(200, asked > 1 ? { received_at: "2026-11-23T10:00:01Z", inventory } : { received_at: null, inventory: null });
      }
      if (c.url.includes("/software")) return json(200, asked > 1 ? { items: inventory.software, total: 1 } : { items: [], total: 0 });
      return json(200, makeEndpoint());
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("tab", { name: "Software" }));
    expect(await screen.findByText("The agent has not sent its inventory yet.")).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "Software" });
    expect(await within(table).findByRole("cell", { name: "bash" }, { timeout: 6_000 })).toBeInTheDocument();
    expect(screen.getByText("1 packages")).toBeInTheDocument();
    expect(screen.queryByText("The agent has not sent its inventory yet.")).not.toBeInTheDocument();
  }, 10_000);

  it("queues an action only after confirmation, with its parameters and reason", async () => {
    let actions: Action[] = [];
    const { calls } = render((c) => {
      if (c.url.endsWith("/actions") && c.method === "POST") {
        actions = [queued];
        return json(201, queued);
      }
      if (c.url.endsWith("/actions")) return json(200, { items: actions });
      if (c.url.endsWith("/inventory")) return json(200, { received_at: null, inventory: null });
      return json(200, makeEndpoint());
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("tab", { name: "Actions" }));
    const form = screen.getByRole("form", { name: "New action" });
    await user.type(within(form).getByLabelText(/Command/), "uptime -p");
    await user.type(within(form).getByLabelText("Reason"), "triage");
    await user.click(within(form).getByRole("button", { name: "Queue action" }));
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    const dialog = screen.getByRole("dialog", { name: "Run a command on web-01?" });
    await user.click(within(dialog).getByRole("button", { name: "Queue it" }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ type: "run_command", params: { argv: ["uptime", "-p"] }, reason: "triage" }));
    const table = await screen.findByRole("table", { name: "Actions" });
    expect(await within(table).findByText("queued")).toBeInTheDocument();
  });

  it("a reader sees actions without the form", async () => {
    render((c) => (c.url.endsWith("/actions") ? json(200, { items: [{ ...queued, state: "done", output: "up 3 days" }] }) : c.url.endsWith("/inventory") ? json(200, { received_at: null, inventory: null }) : json(200, makeEndpoint())), [
      "self",
      "endpoints:read",
    ]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("tab", { name: "Actions" }));
    expect(await screen.findByText("up 3 days")).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "New action" })).not.toBeInTheDocument();
  });
});
