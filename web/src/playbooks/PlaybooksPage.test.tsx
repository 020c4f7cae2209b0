import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Playbook } from "../api/soc";
import { PLAYBOOK, socMe } from "../incidents/testing";
import { json, renderWithProviders, stubFetch } from "../test/helpers";
import { PlaybooksPage } from "./PlaybooksPage";

afterEach(() => vi.unstubAllGlobals());

function server() {
  let list: Playbook[] = [PLAYBOOK, { ...PLAYBOOK, id: "pb-own", name: "Lost laptop", builtin: false, category: "Device", steps: [{ title: "Disable the user", description: "", kind: "action", action: { type: "disable_user", target_from: "user" } }] }];
  return stubFetch((call) => {
    const p = new URL(call.url, "http://localhost").pathname;
    if (p === "/api/v1/playbooks" && call.method === "POST") {
      const pb = { id: "pb-new", builtin: false, ...(call.body as object) } as Playbook;
      list = [...list, pb];
      return json(201, pb);
    }
    if (p === "/api/v1/playbooks") return json(200, { playbooks: list });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

describe("PlaybooksPage", () => {
  it("lists the library with steps; only custom playbooks can be edited", async () => {
    server();
    renderWithProviders(<PlaybooksPage />, { route: "/incidents/playbooks", me: socMe() });
    const builtin = await screen.findByRole("article", { name: "Phishing response" }, { timeout: 5000 });
    expect(within(builtin).getByRole("list", { name: "Steps of Phishing response" })).toHaveTextContent("Block the sender");
    expect(within(builtin).getByText("Block sender (sender)")).toBeInTheDocument();
    expect(within(builtin).queryByRole("button", { name: "Edit" })).not.toBeInTheDocument();
    const own = screen.getByRole("article", { name: "Lost laptop" });
    expect(within(own).getByRole("button", { name: "Edit" })).toBeInTheDocument();
  });

  it("writes a custom playbook with a manual step and an action step", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<PlaybooksPage />, { route: "/incidents/playbooks", me: socMe() });
    await user.click(await screen.findByRole("button", { name: "New playbook" }));
    const dialog = screen.getByRole("dialog", { name: "New playbook" });
    await user.type(within(dialog).getByLabelText("Name"), "Credential stuffing");
    await user.type(within(dialog).getByLabelText("Step 1"), "Confirm the source");
    await user.click(within(dialog).getByRole("button", { name: "Add step" }));
    await user.type(within(dialog).getByLabelText("Step 2"), "Block the source");
    await user.selectOptions(within(dialog).getByLabelText("Kind of step 2"), "block_ip");
    await user.click(within(dialog).getByRole("button", { name: "Save playbook" }));
    expect(await screen.findByRole("article", { name: "Credential stuffing" })).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "Credential stuffing",
      category: "",
      description: "",
      severity_hint: "",
      steps: [
        { title: "Confirm the source", description: "", kind: "manual" },
        { title: "Block the source", description: "", kind: "action", action: { type: "block_ip" } },
      ],
    });
  });
});
