import { describe, expect, it } from "vitest";
import { eventInEvents } from "./TestPanel";

describe("eventInEvents", () => {
  it("opens a backtest's match in Events over the week up to it, however old", () => {
    expect(eventInEvents({ event_id: "ev 1", timestamp: "2021-12-07T17:33:01.680Z" })).toBe(
      "/events?from=2021-11-30T17%3A33%3A01.680Z&to=2021-12-07T17%3A33%3A02.680Z&event=ev%201",
    );
  });
  it("falls back to the last 30 days without a time", () => {
    expect(eventInEvents({ event_id: "e", timestamp: "" })).toBe("/events?range=30d&event=e");
  });
});
