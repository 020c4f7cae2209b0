import { describe, expect, it } from "vitest";
import { eventInEvents, matchHost, matchUser } from "./TestPanel";

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

describe("a match's host and user", () => {
  it("reads host.name, then host.hostname, and the user with the domain, then the user ID", () => {
    expect(matchHost({ "host.name": "web-1", "host.hostname": "web-1.corp" })).toBe("web-1");
    expect(matchHost({ "host.hostname": "web-1.corp" })).toBe("web-1.corp");
    expect(matchHost({})).toBe("");
    expect(matchUser({ "user.name": "alice", "user.domain": "CORP" })).toBe("CORP\\alice");
    expect(matchUser({ "user.name": ["bob", "eve"] })).toBe("bob");
    expect(matchUser({ "user.domain": "CORP", "user.id": "u-7" })).toBe("u-7");
    expect(matchUser({ "user.name": "-" })).toBe("");
    expect(matchUser(undefined)).toBe("");
  });
});
