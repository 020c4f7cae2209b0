import { afterEach, describe, expect, it, vi } from "vitest";
import { makeAlert } from "../test/detection";
import { json, stubFetch } from "../test/helpers";
import { ApiError } from "./client";
import { attachmentProblem, exceptionFromAlert, formatDuration, socApi, uploadAttachment } from "./soc";

afterEach(() => vi.unstubAllGlobals());

describe("socApi", () => {
  it("sends the triage filters of the alert list as query parameters", async () => {
    const { calls } = stubFetch(() => json(200, { alerts: [], total: 0, next_cursor: "" }));
    await socApi.listAlerts({ status: ["new", "escalated"], assignee: "me", group: "g-1", verdict: "benign", incident: "none", sort: "severity", deleted: true, limit: 50 });
    const url = new URL(calls[0]?.url ?? "", "http://localhost");
    expect(url.pathname).toBe("/api/v1/alerts");
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: "new,escalated", assignee: "me", group: "g-1", verdict: "benign", incident: "none", sort: "severity", deleted: "true", limit: "50" });
  });

  it("posts bulk actions, escalations and notes with the CSRF token", async () => {
    document.cookie = "es_csrf=tok-1; path=/";
    const { calls } = stubFetch(() => json(200, {}));
    await socApi.bulk({ ids: ["a", "b"], action: "status", status: "closed", verdict: "false_positive" });
    await socApi.escalateAlert("a/1", { to_group: "g", reason: "r" });
    await socApi.addNote({ object_type: "incident", object_id: "i-1", body: "hi @ana@example.test" });
    expect(calls.map((c) => [c.method, c.url, c.headers["x-csrf-token"]])).toEqual([
      ["POST", "/api/v1/alerts/bulk", "tok-1"],
      ["POST", "/api/v1/alerts/a%2F1/escalate", "tok-1"],
      ["POST", "/api/v1/notes", "tok-1"],
    ]);
    expect(calls[0]?.body).toEqual({ ids: ["a", "b"], action: "status", status: "closed", verdict: "false_positive" });
  });

  it("reads the SMTP error of a failed handover send from the 502", async () => {
    stubFetch(() => json(502, { error: { code: "send_failed", message: "554 5.7.1 relay denied" } }));
    const err = await socApi.sendHandover("h-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, message: "554 5.7.1 relay denied" });
  });
});

describe("uploadAttachment", () => {
  it("sends the file as multipart form data with the object in the query", async () => {
    document.cookie = "es_csrf=tok-2; path=/";
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        seen.push({ url, init });
        return json(201, { id: "att-1", name: "mail.eml", content_type: "message/rfc822", size: 5, sha256: "x", uploaded_by: "u", created_at: "", url: "/api/v1/attachments/att-1" });
      }),
    );
    const a = await uploadAttachment(new File(["hello"], "mail.eml"), "incident", "i-1");
    expect(a.id).toBe("att-1");
    expect(seen[0]?.url).toBe("/api/v1/attachments?object_type=incident&object_id=i-1");
    expect((seen[0]?.init?.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok-2");
    const form = seen[0]?.init?.body as FormData;
    expect((form.get("file") as File).name).toBe("mail.eml");
  });

  it("reports the server's refusal with the field it names", async () => {
    stubFetch(() => json(400, { error: { code: "invalid", message: "files of type .exe cannot be attached", field: "file" } }));
    const err = await uploadAttachment(new File(["MZ"], "a.txt"), "alert", "a-1").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, field: "file", message: "files of type .exe cannot be attached" });
  });
});

describe("attachment checks (mirroring the server)", () => {
  it.each([
    ["capture.pcap", 100, null],
    ["Screenshot.PNG", 100, null],
    ["report.pdf", 10 * 1024 * 1024, null],
    ["dropper.exe", 100, "cannot be attached"],
    ["noext", 100, "cannot be attached"],
    ["big.zip", 10 * 1024 * 1024 + 1, "at most 10 MiB"],
    ["empty.txt", 0, "is empty"],
  ])("%s (%i bytes)", (name, size, problem) => {
    const got = attachmentProblem({ name, size });
    if (problem === null) expect(got).toBeNull();
    else expect(got).toContain(problem);
  });
});

describe("helpers", () => {
  it("prefills a rule exception from the group values, else the first entity", () => {
    expect(exceptionFromAlert(makeAlert({ id: "a" }))).toEqual([{ field: "source.ip", operator: "equals", value: "81.2.69.142" }]);
    // A rule grouping by several fields: one condition for each.
    expect(exceptionFromAlert(makeAlert({ id: "a", group: { "user.name": "svc_backup", "host.name": "", "process.executable": "C:\\Tools\\backup.exe" } }))).toEqual([
      { field: "user.name", operator: "equals", value: "svc_backup" },
      { field: "process.executable", operator: "equals", value: "C:\\Tools\\backup.exe" },
    ]);
    expect(exceptionFromAlert(makeAlert({ id: "a", group: {}, entities: { hosts: ["web-1"], users: [], ips: [], processes: [], files: [], domains: [] } }))).toEqual([{ field: "host.name", operator: "equals", value: "web-1" }]);
    expect(exceptionFromAlert(makeAlert({ id: "a", group: {}, entities: { hosts: [], users: [], ips: [], processes: [], files: [], domains: [] } }))).toEqual([]);
  });

  it("formats durations for MTTA, MTTR and SLA timers", () => {
    expect([formatDuration(null), formatDuration(42), formatDuration(600), formatDuration(3900), formatDuration(7200), formatDuration(90000), formatDuration(-120)]).toEqual(["—", "42s", "10m", "1h 5m", "2h", "1d 1h", "2m"]);
  });
});
