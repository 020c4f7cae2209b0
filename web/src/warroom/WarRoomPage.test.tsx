import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Note } from "../api/soc";
import { makeNote, socMe } from "../incidents/testing";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, renderWithProviders, stubFetch } from "../test/helpers";
import { mentionAt } from "./NotesPanel";
import { WarRoomPage } from "./WarRoomPage";

let notes: Record<string, Note[]>;
const ROOMS = [
  { object_type: "incident", object_id: "i-7", title: "INC-0007 Brute force against web-1", severity: "high", status: "open", note_count: 1, last_note_at: "2026-11-23T10:00:00Z" },
  { object_type: "alert", object_id: "a-1", title: "SSH brute force from 81.2.69.142", severity: "high", status: "in_progress", note_count: 1, last_note_at: "2026-11-23T09:00:00Z" },
];

function server() {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    if (url.pathname === "/api/v1/warroom") return json(200, { rooms: ROOMS });
    if (url.pathname === "/api/v1/notes") return json(200, { notes: notes[`${url.searchParams.get("object_type")}:${url.searchParams.get("object_id")}`] ?? [] });
    if (url.pathname === "/api/v1/users") return json(403, { error: { code: "forbidden", message: "you may not list users" } });
    if (url.pathname === "/api/v1/groups") return json(200, { items: [] });
    if (url.pathname.startsWith("/api/v1/attachments")) return json(201, { id: "att-1", name: "capture.pcap", content_type: "application/vnd.tcpdump.pcap", size: 24, sha256: "x", uploaded_by: "u", created_at: "", url: "/api/v1/attachments/att-1" });
    return json(404, { error: { code: "not_found", message: "nope" } });
  });
}

let WS: typeof FakeWebSocket;
const scrolledIntoView = vi.fn();
beforeEach(() => {
  WS = installFakeWebSocket();
  scrolledIntoView.mockClear();
  Element.prototype.scrollIntoView = scrolledIntoView;
  notes = {
    "incident:i-7": [makeNote({ id: "n-1", object_id: "i-7", body_html: "<p>Isolating <code>web-1</code></p>" })],
    "alert:a-1": [makeNote({ id: "n-2", object_type: "alert", object_id: "a-1", body_html: "<p>Scanner?</p>" })],
  };
});
afterEach(() => vi.unstubAllGlobals());

describe("WarRoomPage", () => {
  it("lists the rooms and shows the chosen one's notes, following them live", async () => {
    server();
    const user = userEvent.setup();
    const { location } = renderWithProviders(<WarRoomPage />, { route: "/war-room", me: socMe("analyst") });
    const rooms = await screen.findByRole("navigation", { name: "Rooms" });
    const buttons = await within(rooms).findAllByRole("button");
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toHaveTextContent("INC-0007 Brute force against web-1");
    expect(buttons[0]).toHaveTextContent("Incident · open · 1 note");
    expect(buttons[0]).toHaveAttribute("aria-current", "true");
    const panel = await screen.findByRole("region", { name: "War room notes: INC-0007 Brute force against web-1" });
    expect(await within(panel).findByText("web-1")).toBeInTheDocument();
    await user.click(within(rooms).getByRole("button", { name: /SSH brute force/ }));
    expect(location.search.get("room")).toBe("alert:a-1");
    const alertPanel = await screen.findByRole("region", { name: "War room notes: SSH brute force from 81.2.69.142" });
    expect(await within(alertPanel).findByText("Scanner?")).toBeInTheDocument();
    const ws = WS.latest();
    act(() => ws.open());
    expect(within(alertPanel).getByText("Live")).toBeInTheDocument();
    notes["alert:a-1"] = [...(notes["alert:a-1"] ?? []), makeNote({ id: "n-3", object_type: "alert", object_id: "a-1", body_html: "<p>Confirmed scanner</p>" })];
    const list = within(alertPanel).getByRole("list", { name: "Notes, oldest first" });
    Object.defineProperty(list, "scrollHeight", { configurable: true, value: 900 });
    act(() => ws.receive({ channel: "incidents", type: "note_added", data: notes["alert:a-1"]?.[1] }));
    expect(await within(alertPanel).findByText("Confirmed scanner")).toBeInTheDocument();
    // The new note is brought into view inside the list; the page around
    // the panel is never scrolled (an alert's page opened at its notes).
    expect(list.scrollTop).toBe(900);
    expect(scrolledIntoView).not.toHaveBeenCalled();
  });

  it("without the user directory, still offers group members to mention and says so", async () => {
    server();
    const user = userEvent.setup();
    renderWithProviders(<WarRoomPage />, { route: "/war-room", me: socMe("analyst") });
    const box = await screen.findByRole("combobox", { name: "Note" });
    await user.type(box, "@zz");
    expect(await screen.findByText(/Only members of your work groups can be suggested/)).toBeInTheDocument();
  });

  it("uploads an accepted attachment and posts it with the note", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderWithProviders(<WarRoomPage />, { route: "/war-room", me: socMe() });
    await screen.findByRole("region", { name: /^War room notes/ });
    await user.upload(screen.getByLabelText("Attach files"), new File(["pcap-bytes-here-24bytes!"], "capture.pcap"));
    expect(await screen.findByRole("link", { name: /capture.pcap/ })).toHaveAttribute("href", "/api/v1/attachments/att-1");
    expect(calls.find((c) => c.url.startsWith("/api/v1/attachments"))?.url).toBe("/api/v1/attachments?object_type=incident&object_id=i-7");
  });

  it("finds the @mention being typed", () => {
    expect(mentionAt("hi @an", 6)).toEqual({ start: 3, query: "an" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("mail a@b", 8)).toBeNull();
    expect(mentionAt("hi @ana done", 12)).toBeNull();
  });
});
