import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Channel } from "../api/soc";
import { socMe } from "../incidents/testing";
import { json, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { NotificationsPage, configOf } from "./NotificationsPage";

const mail: Channel = {
  id: "ch-1",
  name: "SOC mail",
  kind: "email",
  enabled: true,
  min_severity: "high",
  events: ["alert.raised"],
  groups: [],
  config: { host: "smtp.example.test", port: 587, username: "soc", password: "", password_set: true, from: "soc@example.test", to: ["oncall@example.test"], security: "starttls", skip_verify: false },
  created_at: "",
  updated_at: "",
};

function server(more?: (call: Call, url: URL) => Response | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const r = more?.(call, url);
    if (r) return r;
    const p = url.pathname;
    if (p === "/api/v1/notifications/channels" && call.method === "GET") return json(200, { channels: [mail] });
    if (p === "/api/v1/notifications/channels/ch-1/test") return json(200, { ok: false, status: "error", error: "dial tcp 127.0.0.1:2525: connection refused", duration_ms: 3 });
    if (p === "/api/v1/notifications/deliveries")
      return json(200, {
        deliveries: [
          { id: "d-1", channel_id: "ch-1", channel_name: "SOC mail", event: "alert.raised", title: "SSH brute force", status: url.searchParams.get("status") ?? "failed", attempts: 6, last_error: "connection refused", next_attempt_at: null, created_at: "2026-11-23T10:00:00Z", sent_at: null },
        ],
        next_cursor: "",
      });
    if (p === "/api/v1/soc/sla" && call.method === "GET")
      return json(200, { sla: { critical: { ack_minutes: 15, resolve_minutes: 240 }, high: { ack_minutes: 30, resolve_minutes: 480 }, medium: { ack_minutes: 120, resolve_minutes: 1440 }, low: { ack_minutes: 480, resolve_minutes: 4320 }, informational: { ack_minutes: 1440, resolve_minutes: 10080 } } });
    if (p === "/api/v1/soc/sla" && call.method === "PUT") return json(200, call.body);
    if (p === "/api/v1/groups") return json(200, { items: [] });
    if (p === "/api/v1/users") return json(200, { items: [], total: 0 });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe("NotificationsPage", () => {
  it("lists channels and tests one, telling the failure", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<NotificationsPage />, { route: "/admin/notifications", me: socMe() });
    const table = await screen.findByRole("table", { name: "Notification channels" });
    expect(table).toHaveTextContent("SOC mail");
    expect(table).toHaveTextContent("High and above");
    await user.click(within(table).getByRole("button", { name: "Test SOC mail" }));
    expect(await within(table).findByRole("alert")).toHaveTextContent("Failed (error): dial tcp 127.0.0.1:2525: connection refused");
  });

  it("creates an e-mail channel and shows the server's error next to its field", async () => {
    const { calls } = server((call, url) =>
      url.pathname === "/api/v1/notifications/channels" && call.method === "POST" ? json(400, { error: { code: "invalid", message: "port must be between 1 and 65535", field: "config.port" } }) : undefined,
    );
    const user = userEvent.setup();
    renderWithProviders(<NotificationsPage />, { route: "/admin/notifications", me: socMe() });
    await user.click(await screen.findByRole("button", { name: "Add channel" }));
    const dialog = screen.getByRole("dialog", { name: "Add a channel" });
    await user.type(within(dialog).getByLabelText("Name"), "Handover mail");
    await user.type(within(dialog).getByLabelText("SMTP host"), "127.0.0.1");
    await user.type(within(dialog).getByLabelText("Port"), "99999");
    await user.selectOptions(within(dialog).getByLabelText("Security"), "none");
    await user.type(within(dialog).getByLabelText("From address"), "soc@example.test");
    await user.click(within(dialog).getByRole("button", { name: "Add channel" }));
    expect(await within(dialog).findByText("port must be between 1 and 65535")).toBeInTheDocument();
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "Handover mail",
      kind: "email",
      enabled: true,
      min_severity: "high",
      events: [],
      groups: [],
      config: { host: "127.0.0.1", port: 99999, security: "none", username: "", password: "", from: "soc@example.test", to: [], skip_verify: false },
    });
  });

  it("keeps a stored secret when editing leaves it empty", () => {
    const d = { host: "h", port: "25", security: "none", username: "", password: "", from: "f@x.io", to: "a@x.io, b@x.io", skip_verify: false };
    expect(configOf("email", d, { password_set: true })).not.toHaveProperty("password");
    expect(configOf("email", { ...d, password: "new" }, { password_set: true })).toMatchObject({ password: "new", to: ["a@x.io", "b@x.io"], port: 25 });
    expect(configOf("webhook", { url: "https://h.example/x", secret: "", headers: "X-A: 1\nbad\nX-B: two: parts" }, null)).toEqual({ url: "https://h.example/x", secret: "", headers: { "X-A": "1", "X-B": "two: parts" } });
  });

  it("filters the delivery log by status", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<NotificationsPage />, { route: "/admin/notifications", me: socMe() });
    const log = await screen.findByRole("table", { name: "Deliveries, newest first" });
    expect(log).toHaveTextContent("connection refused");
    await user.selectOptions(screen.getByLabelText("Status"), "sent");
    await vi.waitFor(() => expect(calls.filter((c) => c.url.startsWith("/api/v1/notifications/deliveries")).at(-1)?.url).toBe("/api/v1/notifications/deliveries?status=sent&limit=50"));
  });

  it("saves the SLA targets, and only for notify:write", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { unmount } = renderWithProviders(<NotificationsPage />, { route: "/admin/notifications", me: socMe() });
    const ack = await screen.findByLabelText("Critical: acknowledge within (minutes)");
    expect(ack).toHaveValue(15);
    await user.clear(ack);
    await user.type(ack, "10");
    await user.click(screen.getByRole("button", { name: "Save SLA targets" }));
    expect(await screen.findByText("SLA targets saved.")).toBeInTheDocument();
    expect((calls.find((c) => c.method === "PUT")?.body as { sla: Record<string, unknown> }).sla.critical).toEqual({ ack_minutes: 10, resolve_minutes: 240 });
    unmount();
    renderWithProviders(<NotificationsPage />, { route: "/admin/notifications", me: socMe("analyst") });
    expect(await screen.findByLabelText("Critical: acknowledge within (minutes)")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Add channel" })).not.toBeInTheDocument();
    expect(screen.getByText("Read-only: admins and team leads configure the channels.")).toBeInTheDocument();
  });
});
