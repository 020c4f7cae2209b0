import { describe, expect, it } from "vitest";
import { readSearchState } from "../events/searchState";
import { MAX_LINK_IDS, alertEventsLink, idsQuery, relatedActivityLink, relatedActivityQuery } from "./eventLinks";

const hex = (i: number) => i.toString(16).padStart(32, "0");

function params(link: string) {
  return readSearchState(new URLSearchParams(link.slice(link.indexOf("?") + 1)));
}

describe("idsQuery", () => {
  it("searches the ids, bare when plain and quoted when not", () => {
    expect(idsQuery(["a1", "b-2", 'x"y', "OR"]).query).toBe('_id:(a1 OR b-2 OR "x\\"y" OR "OR")');
    expect(idsQuery(["a1", "a1", ""])).toEqual({ query: "_id:(a1)", shown: 1, total: 1 });
    expect(idsQuery([])).toEqual({ query: "", shown: 0, total: 0 });
  });

  it("keeps the newest ids within the count and the length caps", () => {
    const ids = Array.from({ length: 150 }, (_, i) => hex(i));
    const q = idsQuery(ids);
    expect(q.shown).toBe(MAX_LINK_IDS);
    expect(q.total).toBe(150);
    expect(q.query.startsWith(`_id:(${hex(50)} OR `)).toBe(true);
    expect(q.query.endsWith(`${hex(149)})`)).toBe(true);
    expect(q.query.length).toBeLessThanOrEqual(4096);
    const short = idsQuery(ids, 100, 200);
    expect(short.query.length).toBeLessThanOrEqual(200);
    expect(short.shown).toBe(5);
  });
});

describe("alertEventsLink", () => {
  const alert = { first_seen: "2026-11-20T10:00:00Z", last_seen: "2026-11-20T12:30:00Z", count: 2, event_ids: ["e1", "e2"] };

  it("opens the alert's event ids over its span", () => {
    const link = alertEventsLink(alert);
    expect(link.note).toBe("");
    const s = params(link.to);
    expect(s.query).toBe("_id:(e1 OR e2)");
    expect(s.range).toEqual({ kind: "absolute", from: "2026-11-20T10:00:00.000Z", to: "2026-11-20T12:30:00.001Z" });
  });

  it("says so when it cannot show them all", () => {
    const many = { ...alert, count: 500, event_ids: Array.from({ length: 120 }, (_, i) => hex(i)) };
    const link = alertEventsLink(many);
    expect(link.shown).toBe(100);
    expect(link.note).toMatch(/newest 100 of the 120 event ids/);
    expect(link.to.length).toBeLessThan(8000);
    expect(alertEventsLink({ ...alert, count: 300 }).note).toMatch(/its last 2 of 300/);
    expect(alertEventsLink({ ...alert, event_ids: [] }).to).toBe("");
  });
});

describe("relatedActivityLink", () => {
  it("searches the hosts, users and IPs an hour either side", () => {
    const a = {
      first_seen: "2026-11-20T10:00:00Z",
      last_seen: "2026-11-20T12:30:00Z",
      entities: { hosts: ["web-1", "web-2"], users: ["alice"], ips: [], processes: ["x.exe"], files: [], domains: [] },
    };
    expect(relatedActivityQuery(a.entities)).toBe('related.hosts:("web-1" OR "web-2") OR related.user:"alice"');
    const s = params(relatedActivityLink(a));
    expect(s.query).toBe('related.hosts:("web-1" OR "web-2") OR related.user:"alice"');
    expect(s.range).toEqual({ kind: "absolute", from: "2026-11-20T09:00:00.000Z", to: "2026-11-20T13:30:00.000Z" });
    expect(relatedActivityLink({ ...a, entities: { hosts: [], users: [], ips: [], processes: [], files: [], domains: [] } })).toBe("");
  });
});
