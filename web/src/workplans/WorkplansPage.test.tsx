import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Task, Workplan } from "../api/soc";
import { makeTask, socMe } from "../incidents/testing";
import { installFakeWebSocket } from "../test/fakeWebSocket";
import { json, renderWithProviders, stubFetch } from "../test/helpers";
import { WorkplansPage, columnTasks, moveFor } from "./WorkplansPage";

let plan: Workplan;

function server() {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const p = url.pathname;
    if (p === "/api/v1/workplans" && call.method === "GET") return json(200, { workplans: [plan] });
    if (p === "/api/v1/workplans" && call.method === "POST") {
      const b = call.body as { title: string };
      return json(201, { ...plan, id: "wp-2", title: b.title, tasks: [], links: [] });
    }
    if (p === "/api/v1/workplans/wp-1") return json(200, plan);
    if (p === "/api/v1/workplans/wp-2") return json(200, { ...plan, id: "wp-2", title: "Patch Tuesday", tasks: [], links: [] });
    if (p === "/api/v1/workplans/wp-1/tasks") {
      const t = makeTask({ id: "t-new", workplan_id: "wp-1", ...(call.body as object), position: 5 });
      plan = { ...plan, tasks: [...plan.tasks, t] };
      return json(201, t);
    }
    if (p.startsWith("/api/v1/tasks/")) {
      const id = p.split("/").pop();
      plan = { ...plan, tasks: plan.tasks.map((t) => (t.id === id ? { ...t, ...(call.body as Partial<Task>) } : t)) };
      return json(200, plan.tasks.find((t) => t.id === id));
    }
    if (p === "/api/v1/groups") return json(200, { items: [] });
    if (p === "/api/v1/users") return json(200, { items: [], total: 0 });
    if (p === "/api/v1/incidents") return json(200, { incidents: [], total: 0, next_cursor: "" });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

beforeEach(() => {
  installFakeWebSocket();
  plan = {
    id: "wp-1",
    title: "Q4 hardening",
    description: "Close the gaps found by the audit.",
    owner: "u-admin",
    owner_email: "admin@example.test",
    group: "",
    status: "active",
    due_at: null,
    links: [{ type: "incident", id: "i-7", title: "INC-0007 Brute force against web-1" }],
    tasks: [
      makeTask({ id: "t-1", workplan_id: "wp-1", title: "Disable SSH passwords", position: 0 }),
      makeTask({ id: "t-2", workplan_id: "wp-1", title: "Rotate keys", position: 1 }),
      makeTask({ id: "t-3", workplan_id: "wp-1", title: "Audit sudoers", status: "in_progress", position: 0 }),
    ],
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
  };
});
afterEach(() => vi.unstubAllGlobals());

const column = (name: RegExp) => screen.getByRole("region", { name });

describe("WorkplansPage", () => {
  it("shows the plan as a board with its links", async () => {
    server();
    renderWithProviders(<WorkplansPage />, { route: "/workplans", me: socMe() });
    const todo = await screen.findByRole("region", { name: /^To do \(2\)/ }, { timeout: 5000 });
    expect(within(todo).getAllByRole("listitem").map((li) => li.querySelector(".cell-strong")?.textContent)).toEqual(["Disable SSH passwords", "Rotate keys"]);
    expect(within(column(/^In progress/)).getByText("Audit sudoers")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "INC-0007 Brute force against web-1" })).toHaveAttribute("href", "/incidents/i-7");
  });

  it("moves a card with its button and with the keyboard (status and position PATCHed)", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<WorkplansPage />, { route: "/workplans", me: socMe() });
    await screen.findByRole("region", { name: /^To do/ });
    await user.click(screen.getByRole("button", { name: "Move Disable SSH passwords to In progress" }));
    await vi.waitFor(() => expect(within(column(/^In progress/)).getByText("Disable SSH passwords")).toBeInTheDocument());
    expect(calls.find((c) => c.url === "/api/v1/tasks/t-1")?.body).toEqual({ status: "in_progress", position: 1 });
    // Keyboard: the focused card goes right to Blocked.
    screen.getByRole("listitem", { name: "Audit sudoers, In progress" }).focus();
    await user.keyboard("{ArrowRight}");
    await vi.waitFor(() => expect(within(column(/^Blocked/)).getByText("Audit sudoers")).toBeInTheDocument());
    expect(calls.filter((c) => c.url === "/api/v1/tasks/t-3").at(-1)?.body).toEqual({ status: "blocked", position: 0 });
  });

  it("adds a task to the plan", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<WorkplansPage />, { route: "/workplans", me: socMe() });
    await screen.findByRole("region", { name: /^To do/ });
    await user.type(screen.getByLabelText("New task"), "Enable MFA for admins");
    await user.click(screen.getByRole("button", { name: "Add task" }));
    await vi.waitFor(() => expect(within(column(/^To do/)).getByText("Enable MFA for admins")).toBeInTheDocument());
    expect(calls.find((c) => c.url === "/api/v1/workplans/wp-1/tasks")?.body).toEqual({ title: "Enable MFA for admins" });
  });

  it("creates a plan and shows it", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<WorkplansPage />, { route: "/workplans", me: socMe() });
    await user.click(await screen.findByRole("button", { name: "New workplan" }));
    const dialog = screen.getByRole("dialog", { name: "New workplan" });
    await user.type(within(dialog).getByLabelText("Title"), "Patch Tuesday");
    await user.type(within(dialog).getByLabelText("Linked alert ids"), "a-1, a-2");
    await user.click(within(dialog).getByRole("button", { name: "Create workplan" }));
    await vi.waitFor(() => expect(location.search.get("plan")).toBe("wp-2"));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ title: "Patch Tuesday", owner: "u-admin", links: [{ type: "alert", id: "a-1" }, { type: "alert", id: "a-2" }] });
  });
});

describe("moveFor", () => {
  const tasks = [makeTask({ id: "a", position: 0 }), makeTask({ id: "b", position: 0 }), makeTask({ id: "c", status: "done", position: 3 })];
  it("swaps places within a column, by index when positions are equal", () => {
    expect(columnTasks(tasks, "todo").map((t) => t.id)).toEqual(["a", "b"]);
    expect(moveFor(tasks, tasks[1] as Task, "up")).toEqual([
      { id: "b", patch: { position: 0 } },
      { id: "a", patch: { position: 1 } },
    ]);
    expect(moveFor(tasks, tasks[0] as Task, "up")).toEqual([]);
  });
  it("goes to the end of the neighbouring column, not past the edges", () => {
    expect(moveFor(tasks, tasks[2] as Task, "left")).toEqual([{ id: "c", patch: { status: "blocked", position: 0 } }]);
    expect(moveFor(tasks, tasks[2] as Task, "right")).toEqual([]);
    expect(moveFor(tasks, tasks[0] as Task, "left")).toEqual([]);
  });
});
