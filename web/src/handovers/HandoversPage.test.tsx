import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Handover } from "../api/soc";
import { socMe } from "../incidents/testing";
import { json, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { HandoversPage, parseRecipients } from "./HandoversPage";

const CHANNEL = { id: "ch-mail", name: "SOC mail", kind: "email", enabled: true, min_severity: "high", events: [], groups: [], config: {}, created_at: "", updated_at: "" };

function server(send: (call: Call) => Response) {
  let list: Handover[] = [];
  const res = stubFetch((call) => {
    const p = new URL(call.url, "http://localhost").pathname;
    if (p === "/api/v1/handovers/compose") return json(200, { subject: "Handover: Night shift", body: "## Open alerts\n- SSH brute force", snapshot: { alerts: 3, incidents: 1, tasks: 2 } });
    if (p === "/api/v1/handovers" && call.method === "POST") {
      const h = { id: "h-1", group: "", group_name: "", author: "u-admin", author_email: "admin@example.test", status: "draft", error: "", sent_at: null, created_at: "2026-11-23T18:00:00Z", updated_at: "", snapshot: { alerts: 3, incidents: 1, tasks: 2 }, ...(call.body as object) } as Handover;
      list = [h];
      return json(201, h);
    }
    if (p === "/api/v1/handovers/h-1/send") {
      const r = send(call);
      list = list.map((h) => ({ ...h, status: r.ok ? "sent" : "failed", error: r.ok ? "" : "554 relay denied" }));
      return r;
    }
    if (p === "/api/v1/handovers") return json(200, { handovers: list });
    if (p === "/api/v1/notifications/channels") return json(200, { channels: [CHANNEL] });
    if (p === "/api/v1/groups") return json(200, { items: [] });
    if (p === "/api/v1/users") return json(200, { items: [], total: 0 });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
  return res;
}

afterEach(() => vi.unstubAllGlobals());

async function composeAndSend(user: ReturnType<typeof userEvent.setup>) {
  const composer = await screen.findByRole("region", { name: "Compose a handover" });
  await user.click(within(composer).getByRole("button", { name: "Compose" }));
  expect(await within(composer).findByText("From 3 open alerts, 1 incident and 2 tasks.")).toBeInTheDocument();
  expect(within(composer).getByLabelText("Subject")).toHaveValue("Handover: Night shift");
  expect(within(composer).getByLabelText("Body (Markdown)")).toHaveValue("## Open alerts\n- SSH brute force");
  await user.click(within(composer).getByRole("button", { name: "Send handover" }));
  expect(within(composer).getByRole("alert")).toHaveTextContent("Add at least one recipient.");
  await user.type(within(composer).getByLabelText("Recipients"), "day-shift@example.test, lead@example.test");
  expect(await within(composer).findByRole("option", { name: "SOC mail" })).toBeInTheDocument();
  await user.click(within(composer).getByRole("button", { name: "Send handover" }));
  return composer;
}

describe("HandoversPage", () => {
  it("composes, saves and sends; says sent", async () => {
    const { calls } = server((call) => json(200, { id: "h-1", status: "sent", recipients: ["day-shift@example.test", "lead@example.test"], error: "", ...(call.body as object) }));
    const user = userEvent.setup();
    renderWithProviders(<HandoversPage />, { route: "/handovers", me: socMe() });
    const composer = await composeAndSend(user);
    expect(await within(composer).findByRole("status", {}, { timeout: 3000 })).toHaveTextContent("Sent to day-shift@example.test, lead@example.test.");
    expect(calls.find((c) => c.method === "POST" && c.url === "/api/v1/handovers")?.body).toEqual({
      subject: "Handover: Night shift",
      body: "## Open alerts\n- SSH brute force",
      recipients: ["day-shift@example.test", "lead@example.test"],
      channel_id: "ch-mail",
      snapshot: { alerts: 3, incidents: 1, tasks: 2 },
    });
    const history = await screen.findByRole("table", { name: "Handovers, newest first" });
    expect(await within(history).findByText("Sent")).toBeInTheDocument();
  });

  it("tells the mail server's error when sending fails", async () => {
    server(() => json(502, { error: { code: "send_failed", message: "cannot send mail: 554 relay denied" } }));
    const user = userEvent.setup();
    renderWithProviders(<HandoversPage />, { route: "/handovers", me: socMe() });
    const composer = await composeAndSend(user);
    expect(await within(composer).findByRole("alert")).toHaveTextContent("Failed: cannot send mail: 554 relay denied");
    const history = await screen.findByRole("table", { name: "Handovers, newest first" });
    expect(await within(history).findByText("Failed")).toBeInTheDocument();
    expect(within(history).getByRole("button", { name: "Edit handover Handover: Night shift" })).toHaveTextContent("Retry");
  });

  it("parses recipients", () => {
    expect(parseRecipients("a@x.io, b@y.io;a@x.io  nope")).toEqual({ ok: ["a@x.io", "b@y.io"], bad: ["nope"] });
  });
});
