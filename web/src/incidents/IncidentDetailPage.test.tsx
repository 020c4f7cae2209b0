import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IncidentDetail, Note } from "../api/soc";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { IncidentDetailPage } from "./IncidentDetailPage";
import { PLAYBOOK, makeIncidentDetail, makeNote, makeTask, socMe } from "./testing";

let current: IncidentDetail;
let notes: Note[];

function server(more?: (call: Call, url: URL) => Response | undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const r = more?.(call, url);
    if (r) return r;
    const p = url.pathname;
    if (p === "/api/v1/incidents/i-7" && call.method === "GET") return json(200, current);
    if (p === "/api/v1/incidents/i-7" && call.method === "PATCH") {
      current = { ...current, ...(call.body as object) };
      return json(200, current);
    }
    if (p === "/api/v1/incidents/i-7/playbook") {
      current = {
        ...current,
        playbook_id: PLAYBOOK.id,
        tasks: [...current.tasks, ...PLAYBOOK.steps.map((s, i) => makeTask({ id: `pt-${i}`, incident_id: "i-7", title: s.title, playbook_step: i, position: i + 1 }))],
      };
      return json(200, current);
    }
    if (p === "/api/v1/incidents/i-7/tasks") {
      const t = makeTask({ id: "t-new", incident_id: "i-7", ...(call.body as object), position: 9 });
      current = { ...current, tasks: [...current.tasks, t] };
      return json(201, t);
    }
    if (p.startsWith("/api/v1/tasks/") && call.method === "PATCH") {
      const id = p.split("/").pop();
      current = { ...current, tasks: current.tasks.map((t) => (t.id === id ? { ...t, ...(call.body as object) } : t)) };
      return json(200, current.tasks.find((t) => t.id === id));
    }
    if (p === "/api/v1/incidents/i-7/timeline") {
      const e = { id: "tl-2", at: "2026-11-23T10:30:00Z", kind: "manual" as const, actor: "u-admin", actor_email: "admin@example.test", message: (call.body as { message: string }).message, detail: "" };
      current = { ...current, timeline: [...current.timeline, e] };
      return json(201, e);
    }
    if (p === "/api/v1/incidents/i-7/observables") {
      const o = { id: "o-1", ...(call.body as { type: "ip"; value: string; description: string; ioc: boolean }), enrichment: { geo: { country_name: "Sweden" }, asn: { number: 29518, organization: "Bredband2" }, sightings: 12 }, created_at: "", created_by: "u-admin" };
      current = { ...current, observables: [...current.observables, o] };
      return json(201, o);
    }
    if (p === "/api/v1/incidents/i-7/alerts/a-1" && call.method === "DELETE") {
      current = { ...current, alerts: [] };
      return new Response(null, { status: 204 });
    }
    if (p === "/api/v1/playbooks") return json(200, { playbooks: [PLAYBOOK] });
    if (p === "/api/v1/notes" && call.method === "GET") return json(200, { notes });
    if (p === "/api/v1/notes" && call.method === "POST") {
      const n = makeNote({ id: `n-${notes.length + 1}`, body: (call.body as { body: string }).body, body_html: `<p>${(call.body as { body: string }).body}</p>` });
      notes = [...notes, n];
      return json(201, n);
    }
    if (p === "/api/v1/groups")
      return json(200, { items: [{ id: "g-1", org_id: "o-1", name: "Tier 2", description: "", members: [{ id: "u-ana", email: "ana@example.test", name: "Ana", role: "analyst" }], created_at: "", updated_at: "" }] });
    if (p === "/api/v1/users") return json(200, { items: [], total: 0 });
    if (p === "/api/v1/response/actions") return json(200, { actions: [] });
    return json(404, { error: { code: "not_found", message: "incident not found" } });
  });
}

function renderPage(route = "/incidents/i-7", me = socMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/incidents/:id" element={<IncidentDetailPage />} />
    </Routes>,
    { route, me },
  );
}

let WS: typeof FakeWebSocket;
beforeEach(() => {
  WS = installFakeWebSocket();
  current = makeIncidentDetail({ id: "i-7", sla: { ack_due: "2026-11-23T10:15:00Z", resolve_due: "2099-01-01T00:00:00Z", ack_breached: true, resolve_breached: false }, acknowledged_at: "2026-11-23T10:20:00Z" });
  notes = [makeNote({ id: "n-1", object_id: "i-7" })];
});
afterEach(() => vi.unstubAllGlobals());

const tab = (name: RegExp | string) => screen.getByRole("tab", { name });

describe("IncidentDetailPage", () => {
  it("shows the header with the SLA breach and changes status, owner and severity", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "INC-0007 Brute force against web-1" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("SLA breached: acknowledgement late");
    const fields = screen.getByRole("group", { name: "Incident fields" });
    await user.selectOptions(within(fields).getByLabelText("Severity"), "critical");
    await user.selectOptions(within(fields).getByLabelText("Owner"), await within(fields).findByRole("option", { name: "Ana <ana@example.test>" }));
    // Resolving without a verdict asks for one.
    await user.selectOptions(within(fields).getByLabelText("Status"), "resolved");
    const dialog = screen.getByRole("dialog", { name: "Resolve INC-0007" });
    await user.click(within(dialog).getByRole("button", { name: "True positive" }));
    await vi.waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ severity: "critical" }, { owner: "u-ana" }, { status: "resolved", verdict: "true_positive" }]);
  });

  it("moves between sections with the tabs and the arrow keys", async () => {
    server();
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("heading", { level: 1 });
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Overview", "Alerts1", "Tasks1", "Observables", "Timeline1", "War room", "Attachments", "Response actions"]);
    expect(tab("Overview")).toHaveAttribute("aria-selected", "true");
    tab("Overview").focus();
    await user.keyboard("{ArrowRight}");
    expect(tab(/^Alerts/)).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel")).toHaveTextContent("SSH brute force from 81.2.69.142");
  });

  it("applies a playbook from the library: its steps become tasks", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("tab", { name: /^Tasks/ }));
    await user.click(screen.getByRole("button", { name: "Apply playbook…" }));
    const dialog = screen.getByRole("dialog", { name: "Apply a playbook" });
    await user.click(await within(dialog).findByRole("radio", { name: /Phishing response/ }));
    expect(within(dialog).getByRole("list", { name: "Steps of Phishing response" })).toHaveTextContent("Block the sender");
    await user.click(within(dialog).getByRole("button", { name: "Apply playbook" }));
    const tasks = await screen.findByRole("list", { name: "Tasks" });
    await vi.waitFor(() => expect(within(tasks).getAllByRole("listitem")).toHaveLength(3));
    expect(tasks).toHaveTextContent("2. Block the sender");
    expect(calls.find((c) => c.url === "/api/v1/incidents/i-7/playbook")?.body).toEqual({ playbook_id: "pb-phish" });
  });

  it("adds a task and ticks it done", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("tab", { name: /^Tasks/ }));
    await user.type(screen.getByLabelText("New task"), "Reset root's password");
    await user.click(screen.getByRole("button", { name: "Add task" }));
    await screen.findByText("Reset root's password");
    await user.click(screen.getByRole("checkbox", { name: /Check the source IP/ }));
    await vi.waitFor(() => expect(screen.getByRole("checkbox", { name: /Check the source IP/ })).toBeChecked());
    expect(calls.find((c) => c.url === "/api/v1/incidents/i-7/tasks")?.body).toEqual({ title: "Reset root's password" });
    expect(calls.find((c) => c.url === "/api/v1/tasks/t-1")?.body).toEqual({ status: "done" });
  });

  it("adds an observable and shows its enrichment, and a manual timeline entry", async () => {
    server();
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("tab", { name: /^Observables/ }));
    await user.type(screen.getByLabelText("Value"), "81.2.69.142");
    await user.click(screen.getByRole("checkbox", { name: "Indicator of compromise" }));
    await user.click(screen.getByRole("button", { name: "Add observable" }));
    const table = await screen.findByRole("table", { name: "Observables of this incident" });
    expect(table).toHaveTextContent("Sweden · AS29518 Bredband2 · 12 sightings in events");
    expect(within(table).getByText("IOC", { selector: ".sla-badge" })).toBeInTheDocument();
    await user.click(tab(/^Timeline/));
    await user.type(screen.getByLabelText("What happened"), "Firewall block confirmed");
    await user.click(screen.getByRole("button", { name: "Add entry" }));
    const timeline = await screen.findByRole("list", { name: "Timeline, oldest first" });
    await vi.waitFor(() => expect(within(timeline).getAllByRole("listitem")).toHaveLength(2));
    expect(timeline).toHaveTextContent("Firewall block confirmed");
  });

  it("unlinks an alert", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("tab", { name: /^Alerts/ }));
    await user.click(screen.getByRole("button", { name: "Unlink SSH brute force from 81.2.69.142" }));
    expect(await screen.findByText("No alert is linked to this incident.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/v1/incidents/i-7/alerts/a-1")).toBe(true);
  });

  it("shows war-room notes live and posts a note with an @mention chosen from the list", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("tab", { name: "War room" }));
    const list = await screen.findByRole("list", { name: "Notes, oldest first" });
    expect(list).toHaveTextContent("Looking at it");
    // A colleague's note arrives over the incidents channel.
    const ws = WS.latest();
    act(() => ws.open());
    notes = [...notes, makeNote({ id: "n-2", object_id: "i-7", author: "u-ana", author_email: "ana@example.test", body: "Host isolated", body_html: "<p>Host <strong>isolated</strong></p>" })];
    act(() => ws.receive({ channel: "incidents", type: "note_added", data: notes[1] }));
    expect(await within(list).findByText("isolated")).toBeInTheDocument();
    const box = screen.getByRole("combobox", { name: "Note" });
    await user.type(box, "Thanks @an");
    const options = await screen.findByRole("listbox", { name: "People to mention" });
    expect(within(options).getByRole("option", { name: "Ana <ana@example.test>" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    expect(box).toHaveValue("Thanks @ana@example.test ");
    await user.type(box, "nice work");
    await user.click(screen.getByRole("button", { name: "Post note" }));
    await vi.waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(calls.find((c) => c.method === "POST" && c.url === "/api/v1/notes")?.body).toEqual({ object_type: "incident", object_id: "i-7", body: "Thanks @ana@example.test nice work" });
  });

  it("refuses a file type the server would refuse, before uploading", async () => {
    const { calls } = server();
    const user = userEvent.setup({ applyAccept: false });
    renderPage();
    await user.click(await screen.findByRole("tab", { name: "War room" }));
    await screen.findByRole("list", { name: "Notes, oldest first" });
    await user.upload(screen.getByLabelText("Attach files"), new File(["MZ"], "invoice.exe", { type: "application/x-msdownload" }));
    expect(await screen.findByText(/invoice.exe: this type of file cannot be attached/)).toBeInTheDocument();
    expect(calls.some((c) => c.url.startsWith("/api/v1/attachments"))).toBe(false);
  });

  it("is read-only for a viewer", async () => {
    server();
    renderPage("/incidents/i-7", socMe("viewer"));
    await screen.findByRole("heading", { level: 1 });
    expect(within(screen.getByRole("group", { name: "Incident fields" })).getByLabelText("Status")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Delete incident…" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit description and tags" })).not.toBeInTheDocument();
  });
});

