import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { SettingsPage } from "./SettingsPage";

afterEach(() => vi.unstubAllGlobals());

describe("SettingsPage", () => {
  it("shows the retention and saves a new one with PATCH /api/v1/settings", async () => {
    const { calls } = stubFetch((call) => (call.method === "PATCH" ? json(200, { retention_days: 365 }) : json(200, { retention_days: 90 })));
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage />, { me: makeMe() });
    const days = await screen.findByLabelText("Retention (days)");
    await vi.waitFor(() => expect(days).toHaveValue(90));
    await user.clear(days);
    await user.type(days, "365");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("Settings saved.")).toBeInTheDocument();
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.url).toBe("/api/v1/settings");
    expect(patch?.body).toEqual({ retention_days: 365 });
  });

  it("shows the server's refusal next to the field", async () => {
    stubFetch((call) =>
      call.method === "PATCH"
        ? json(400, { error: { code: "validation_failed", message: "retention_days must be between 1 and 3650", field: "retention_days" } })
        : json(200, { retention_days: 90 }),
    );
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage />, { me: makeMe() });
    const days = await screen.findByLabelText("Retention (days)");
    await vi.waitFor(() => expect(days).toHaveValue(90));
    await user.clear(days);
    await user.type(days, "5000");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("retention_days must be between 1 and 3650")).toBeInTheDocument();
    expect(days).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("is read-only with settings:read alone", async () => {
    stubFetch(() => json(200, { retention_days: 30 }));
    renderWithProviders(<SettingsPage />, { me: makeMe({ permissions: ["self", "settings:read"] }) });
    const days = await screen.findByLabelText("Retention (days)");
    await vi.waitFor(() => expect(days).toHaveValue(30));
    expect(days).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save settings" })).not.toBeInTheDocument();
    expect(screen.getByText(/View only/)).toBeInTheDocument();
  });
});
