import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { ProfilePage } from "./ProfilePage";

afterEach(() => vi.unstubAllGlobals());

describe("ProfilePage", () => {
  it("saves only one's own profile fields with PATCH /api/v1/me", async () => {
    const me = makeMe({ team: "SOC" });
    const { calls } = stubFetch((call) => json(200, { ...me, ...(call.body as object) }));
    renderWithProviders(<ProfilePage />, { me });
    const user = userEvent.setup();
    const form = screen.getByRole("form", { name: "Your details" });
    await user.clear(within(form).getByLabelText("Team"));
    await user.type(within(form).getByLabelText("Team"), "Night shift");
    await user.click(within(form).getByRole("button", { name: "Save profile" }));
    expect(await within(form).findByRole("status")).toHaveTextContent("Profile saved.");
    expect(calls[0]?.method).toBe("PATCH");
    expect(calls[0]?.url).toBe("/api/v1/me");
    expect(calls[0]?.body).toEqual({ name: me.name, team: "Night shift", manager: "", computer: "", mobile_phone: "" });
  });

  it("shows weak_password next to the new password", async () => {
    stubFetch(() => json(400, { error: { code: "weak_password", message: "the password is too common", field: "new_password" } }));
    renderWithProviders(<ProfilePage />, { me: makeMe() });
    const user = userEvent.setup();
    const form = screen.getByRole("form", { name: "Change password" });
    await user.type(within(form).getByLabelText("Current password"), "Old-Passw0rd!!");
    await user.type(within(form).getByLabelText("New password"), "password123");
    await user.type(within(form).getByLabelText("Confirm new password"), "password123");
    await user.click(within(form).getByRole("button", { name: "Change password" }));
    expect(await within(form).findByText("the password is too common")).toBeInTheDocument();
    expect(within(form).getByLabelText("New password")).toHaveAttribute("aria-invalid", "true");
  });

  it("refuses to send two different new passwords", async () => {
    const { fn } = stubFetch(() => json(200, {}));
    renderWithProviders(<ProfilePage />, { me: makeMe() });
    const user = userEvent.setup();
    const form = screen.getByRole("form", { name: "Change password" });
    await user.type(within(form).getByLabelText("Current password"), "Old-Passw0rd!!");
    await user.type(within(form).getByLabelText("New password"), "Brand-New-Passw0rd!");
    await user.type(within(form).getByLabelText("Confirm new password"), "Brand-New-Passw0rd?");
    await user.click(within(form).getByRole("button", { name: "Change password" }));
    expect(within(form).getByText("The two new passwords differ.")).toBeInTheDocument();
    expect(fn).not.toHaveBeenCalled();
  });
});
