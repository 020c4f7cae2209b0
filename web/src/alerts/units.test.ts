import { describe, expect, it } from "vitest";
import { alertFilterParams } from "../api/soc";
import { makeAlert } from "../test/detection";
import { alertQuery, apiRange, isFiltered, matchesFilters, readAlertFilters, writeAlertFilters } from "./alertFilters";
import { entityItems, userLabel } from "./entities";
import { EMPTY_FEED, FEED_CAP, feedReducer } from "./useAlertFeed";

describe("alert filters in the URL", () => {
  it("round-trips in a stable order and drops unknown values", () => {
    const s = readAlertFilters(new URLSearchParams("status=closed,new,bogus&sev=critical,informational,x&rule=r-1&q=%20web%20&range=7d"));
    expect(s).toEqual({
      statuses: ["new", "closed"],
      severities: ["informational", "critical"],
      rule: "r-1",
      q: " web ",
      range: { kind: "preset", preset: "7d" },
      timeField: "created",
      assignee: "",
      group: "",
      verdict: "",
      sort: "last_seen",
      trash: false,
    });
    expect(writeAlertFilters(s).toString()).toBe("status=new%2Cclosed&sev=informational%2Ccritical&rule=r-1&q=web&range=7d");
  });

  it("keeps assignee, group, verdict, sort and the trash, and drops unknown verdicts and sorts", () => {
    const s = readAlertFilters(new URLSearchParams("assignee=me&group=g-1&verdict=false_positive&sort=severity&trash=1"));
    expect(s).toMatchObject({ assignee: "me", group: "g-1", verdict: "false_positive", sort: "severity", trash: true });
    expect(writeAlertFilters(s).toString()).toBe("assignee=me&group=g-1&verdict=false_positive&sort=severity&trash=1");
    expect(alertQuery(s, {})).toMatchObject({ assignee: "me", group: "g-1", verdict: "false_positive", sort: "severity", deleted: true });
    expect(readAlertFilters(new URLSearchParams("verdict=maybe&sort=random"))).toMatchObject({ verdict: "", sort: "last_seen" });
    expect(isFiltered(readAlertFilters(new URLSearchParams("assignee=none")))).toBe(true);
  });

  it("ranges over when alerts were raised unless told last seen, and says so to the API", () => {
    const raised = readAlertFilters(new URLSearchParams("range=24h&sort=created"));
    expect(raised).toMatchObject({ timeField: "created", sort: "created" });
    expect(writeAlertFilters(raised).toString()).toBe("range=24h&sort=created");
    expect(alertQuery(raised, { from: "2026-11-23T09:00:00.000Z" })).toMatchObject({ time_field: "created", sort: "created", from: "2026-11-23T09:00:00.000Z" });
    const seen = readAlertFilters(new URLSearchParams("range=24h&time=last_seen"));
    expect(seen.timeField).toBe("last_seen");
    expect(writeAlertFilters(seen).toString()).toBe("range=24h&time=last_seen");
    expect(alertQuery(seen, {}).time_field).toBe("last_seen");
    // No range: nothing to bound.
    expect(alertQuery(readAlertFilters(new URLSearchParams()), {}).time_field).toBeUndefined();
    expect(readAlertFilters(new URLSearchParams("time=updated")).timeField).toBe("created");
  });

  it("gives a bulk action the list's filters, not its page or order", () => {
    const s = readAlertFilters(new URLSearchParams("status=new,acknowledged&sev=high&q=web&range=24h&assignee=me&sort=severity&trash=1"));
    expect(alertFilterParams(alertQuery(s, { from: "2026-11-23T09:00:00.000Z" }))).toEqual({
      status: "new,acknowledged",
      severity: "high",
      q: "web",
      from: "2026-11-23T09:00:00.000Z",
      time_field: "created",
      assignee: "me",
      deleted: "true",
    });
  });

  it("takes an absolute range only when both ends are valid and in order", () => {
    expect(readAlertFilters(new URLSearchParams("from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z")).range).toEqual({ kind: "all" });
    expect(readAlertFilters(new URLSearchParams("from=2026-11-23T09:00:00Z&to=2026-11-23T10:00:00Z")).range).toEqual({
      kind: "absolute",
      from: "2026-11-23T09:00:00.000Z",
      to: "2026-11-23T10:00:00.000Z",
    });
    expect(apiRange({ kind: "preset", preset: "1h" }, Date.parse("2026-11-23T10:00:00Z"))).toEqual({ from: "2026-11-23T09:00:00.000Z" });
    expect(apiRange({ kind: "all" })).toEqual({});
  });

  it("tells whether a new alert belongs, when the browser can", () => {
    const a = makeAlert({ id: "a", severity: "high", status: "new", rule_id: "r-1" });
    const none = readAlertFilters(new URLSearchParams());
    expect(matchesFilters(a, none)).toBe(true);
    expect(matchesFilters(a, { ...none, severities: ["critical"] })).toBe(false);
    expect(matchesFilters(a, { ...none, statuses: ["resolved"] })).toBe(false);
    expect(matchesFilters(a, { ...none, rule: "r-2" })).toBe(false);
    expect(matchesFilters(a, { ...none, q: "web" })).toBe("unknown");
    expect(matchesFilters(a, { ...none, range: { kind: "absolute", from: "x", to: "y" } })).toBe("unknown");
    // Triage filters: the assignee ("me" is the reader), the group and the verdict.
    const mine = { ...a, assignee: "u-1", assignee_group: "g-1", verdict: "benign" as const };
    expect(matchesFilters(mine, { ...none, assignee: "me" }, "u-1")).toBe(true);
    expect(matchesFilters(mine, { ...none, assignee: "me" }, "u-2")).toBe(false);
    expect(matchesFilters(mine, { ...none, assignee: "none" })).toBe(false);
    expect(matchesFilters(a, { ...none, assignee: "none" })).toBe(true);
    expect(matchesFilters(mine, { ...none, group: "g-2" })).toBe(false);
    expect(matchesFilters(mine, { ...none, verdict: "benign" })).toBe(true);
    expect(matchesFilters(a, { ...none, trash: true })).toBe(false);
  });
});

describe("feedReducer", () => {
  const a1 = makeAlert({ id: "1" });
  const a2 = makeAlert({ id: "2" });

  it("shows, holds and releases new alerts, newest first, each once", () => {
    let s = feedReducer(EMPTY_FEED, { type: "created", alert: a1, show: true, unsure: false });
    s = feedReducer(s, { type: "created", alert: a2, show: false, unsure: false });
    s = feedReducer(s, { type: "created", alert: a2, show: false, unsure: false });
    expect(s.live.map((a) => a.id)).toEqual(["1"]);
    expect(s.pending.map((a) => a.id)).toEqual(["2"]);
    s = feedReducer(s, { type: "release" });
    expect(s.live.map((a) => a.id)).toEqual(["2", "1"]);
    expect(s.pending).toEqual([]);
    expect(s.fresh).toEqual({ "1": true, "2": true });
  });

  it("applies changes wherever the alert is, and keeps at most FEED_CAP", () => {
    let s = feedReducer(EMPTY_FEED, { type: "created", alert: a1, show: true, unsure: false });
    s = feedReducer(s, { type: "updated", alert: { ...a1, count: 42 } });
    expect(s.live[0]?.count).toBe(42);
    expect(s.updates["1"]?.count).toBe(42);
    for (let i = 0; i < FEED_CAP + 10; i++) s = feedReducer(s, { type: "created", alert: makeAlert({ id: `x${i}` }), show: true, unsure: false });
    expect(s.live).toHaveLength(FEED_CAP);
    expect(feedReducer(s, { type: "reset" })).toBe(EMPTY_FEED);
  });

  it("remembers when a held alert may not match", () => {
    let s = feedReducer(EMPTY_FEED, { type: "created", alert: a1, show: false, unsure: true });
    s = feedReducer(s, { type: "created", alert: a2, show: false, unsure: false });
    expect(s.pendingUnsure).toBe(true);
    expect(feedReducer(s, { type: "release" }).pendingUnsure).toBe(false);
  });
});

describe("entityItems", () => {
  const en = {
    hosts: ["web-1"],
    users: ["alice", "root"],
    user_domains: { alice: "CORP" },
    ips: [],
    processes: ["C:\\Windows\\System32\\CMD.EXE", "cmd.exe", "/usr/bin/curl", "curl", "wget"],
    files: ["C:\\Windows\\System32\\drivers\\RwDrv.sys", "rwdrv.SYS", "/tmp/x.sh", "report.pdf"],
    domains: [],
  };
  it("names users with their domain and searches by the name", () => {
    expect(entityItems(en, "users")).toEqual([
      { value: "alice", label: "CORP\\alice" },
      { value: "root", label: "root" },
    ]);
    expect(userLabel("bob", "")).toBe("bob");
  });
  it.each([
    ["processes", ["C:\\Windows\\System32\\CMD.EXE", "/usr/bin/curl", "wget"]],
    ["files", ["C:\\Windows\\System32\\drivers\\RwDrv.sys", "/tmp/x.sh", "report.pdf"]],
  ] as const)("lists each of the %s once: its path, not also its bare name", (kind, labels) => {
    expect(entityItems(en, kind).map((e) => e.label)).toEqual(labels);
  });
  it("lists nothing without entities", () => {
    expect(entityItems(undefined, "hosts")).toEqual([]);
  });
});
