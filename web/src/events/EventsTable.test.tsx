import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { SecurityEvent } from "../api/types";
import { makeEvent } from "../test/events";
import { EventsTable } from "./EventsTable";

// Counts row renders: every row formats its time once per render.
const renders = vi.hoisted(() => ({ n: 0 }));
vi.mock("../ui/time", async (original) => {
  const mod = await original<typeof import("../ui/time")>();
  return {
    ...mod,
    formatTime: (v: string) => {
      renders.n++;
      return mod.formatTime(v);
    },
  };
});

const columns = ["host.name", "user.name", "source.ip", "event.dataset", "message"];

describe("EventsTable", () => {
  it("renders a thousand rows, and only the new one when a live event is put on top", { timeout: 60_000 }, () => {
    // Two columns keep jsdom's work small; the rows' memoization is what is measured.
    const columns = ["host.name", "message"];
    const events: SecurityEvent[] = Array.from({ length: 1000 }, (_, i) => makeEvent({ id: `e-${i}`, fields: { host: { name: `host-${i}` } } }));
    const onOpen = vi.fn();
    renders.n = 0;
    const { rerender, container } = render(<EventsTable events={events} columns={columns} onOpen={onOpen} openId={null} caption="Events" />);
    expect(renders.n).toBe(1000);
    // (Counted without *ByRole queries, which are slow over a thousand rows in jsdom.)
    expect(container.querySelectorAll("tbody tr")).toHaveLength(1000);

    renders.n = 0;
    const live = makeEvent({ id: "live-1", fields: { host: { name: "fresh" } } });
    rerender(<EventsTable events={[live, ...events]} columns={columns} onOpen={onOpen} openId={null} liveIds={new Set(["live-1"])} caption="Events" />);
    expect(renders.n).toBe(1);
    expect(container.querySelector("tbody tr")).toHaveTextContent("fresh");

    // Opening an event re-renders that row alone.
    renders.n = 0;
    rerender(<EventsTable events={[live, ...events]} columns={columns} onOpen={onOpen} openId="e-500" liveIds={new Set(["live-1"])} caption="Events" />);
    expect(renders.n).toBe(1);
  });

  it("names the time zone in the Time header and shows each time with its year", () => {
    const ev = makeEvent({ id: "e-1", "@timestamp": new Date().toISOString() });
    render(<EventsTable events={[ev]} columns={["http.response.status_code"]} onOpen={() => {}} openId={null} caption="Events" />);
    expect(screen.getByRole("columnheader", { name: /^Time \(UTC([+-]\d\d:\d\d)?\)$/ })).toBeInTheDocument();
    // A long field path may wrap at its dots; its full name is the title.
    const header = screen.getByRole("columnheader", { name: "http.response.status_code" });
    expect(header).toHaveAttribute("title", "http.response.status_code");
    expect(header.querySelectorAll("wbr")).toHaveLength(3);
    expect(screen.getAllByRole("row")[1]).toHaveTextContent(String(new Date().getFullYear()));
  });

  it("shows the user's ID in the User column when the event names no user", () => {
    const ev = makeEvent({ id: "e-1", fields: { user: { id: "u-42" } } });
    render(<EventsTable events={[ev]} columns={["user.name"]} onOpen={() => {}} openId={null} caption="Events" />);
    const cell = screen.getAllByRole("cell").find((c) => c.textContent?.includes("u-42"));
    expect(cell).toHaveTextContent("id u-42");
    expect(cell).toHaveAttribute("title", "user.id (the event names no user.name)");
  });

  it("shows an unknown value as a dash and the source country beside the IP", () => {
    const ev = makeEvent({ id: "e-1" });
    render(<EventsTable events={[ev, makeEvent({ id: "e-2", fields: {} })]} columns={columns} onOpen={() => {}} openId={null} caption="Events" />);
    const rows = screen.getAllByRole("row");
    expect(rows[1]).toHaveTextContent("81.2.69.142GB");
    expect(within(rows[2] as HTMLElement).getAllByText("—").length).toBeGreaterThanOrEqual(3);
  });
});
