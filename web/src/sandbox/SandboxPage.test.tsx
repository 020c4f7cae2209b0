import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installFakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { seenEventsLink } from "./ReportView";
import SandboxPage from "./SandboxPage";
import type { Report, SandboxSettings, Submission, YaraRuleList } from "./sandboxApi";

const SANDBOX_PERMS = ["sandbox:read", "sandbox:write", "intel:read", "intel:write"];
const admin = () => makeMe({ permissions: [...makeMe().permissions, ...SANDBOX_PERMS] });

const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

const REPORT: Report = {
  kind: "file",
  target: "invoice.ps1",
  verdict: "malicious",
  score: 95,
  reasons: [
    { code: "script.download_cradle", message: "downloads and runs code", weight: 45, evidence: "DownloadString" },
    { code: "script.encoded_command", message: "encoded PowerShell command", weight: 50 },
  ],
  indicators: [
    { type: "url", value: "http://evil-cdn.top/a.ps1", source: "strings" },
    { type: "registry_key", value: "HKCU\\Software\\Run", source: "strings" },
  ],
  size: 120,
  hashes: { md5: "0cc175b9c0f1b6a831c399e269772661", sha256: SHA },
  type: { id: "powershell", mime: "text/x-powershell", description: "PowerShell script" },
  entropy: 4.2,
  entropy_chunks: [
    { offset: 0, size: 60, entropy: 4.1 },
    { offset: 60, size: 60, entropy: 7.9 },
  ],
  strings: { count: 2, truncated: false, sample: [{ value: "DownloadString", offset: 10 }, { value: "Net.WebClient", offset: 40 }] },
  script: { language: "powershell", obfuscation_score: 40 },
  yara: { enabled: false, message: "YARA disabled: built without the yara tag" },
  children: [
    {
      kind: "file",
      target: "inner.js",
      path: "invoice.zip/inner.js",
      verdict: "suspicious",
      score: 30,
      reasons: [{ code: "js.eval", message: "eval of decoded text", weight: 30 }],
      indicators: [],
      started_at: "2026-11-23T10:00:00Z",
      duration_ms: 1,
    },
  ],
  started_at: "2026-11-23T10:00:00Z",
  duration_ms: 12,
};

function submission(over: Partial<Submission> = {}): Submission {
  return {
    id: "s-1",
    kind: "file",
    target: "invoice.ps1",
    sha256: SHA,
    size: 120,
    status: "done",
    stage: "done",
    progress: 100,
    verdict: "malicious",
    score: 95,
    source: "upload",
    submitted_by: "u-admin",
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:01Z",
    started_at: "2026-11-23T10:00:00Z",
    finished_at: "2026-11-23T10:00:01Z",
    report: REPORT,
    external: [
      { source: "virustotal", kind: "hash", value: SHA, status: "malicious", malicious: true, score: 80, summary: "50 of 70 engines flag it malicious", checked_at: "2026-11-23T10:00:01Z" },
      { source: "otx", kind: "hash", value: SHA, status: "error", malicious: false, score: 0, summary: "", checked_at: "2026-11-23T10:00:01Z", error: "unauthorized: the service refused the API key" },
    ],
    ...over,
  };
}

const INFO = { yara_enabled: false, yara_message: "YARA disabled: built without the yara tag", max_sample_size: 67108864, encrypt_samples: false, workers: 2, zip_password: "infected" };

function handler(over: (c: Call) => Response | undefined = () => undefined) {
  return (c: Call): Response => {
    const o = over(c);
    if (o) return o;
    const path = c.url.split("?")[0];
    if (path === "/api/v1/sandbox/info") return json(200, INFO);
    if (path === "/api/v1/sandbox/submissions") return json(200, { items: [{ ...submission(), report: undefined, external: undefined }], total: 1 });
    if (path === "/api/v1/sandbox/submissions/s-1") return json(200, submission());
    if (path === "/api/v1/sandbox/submissions/s-1/endpoints")
      return json(200, {
        query: `process.hash.sha256:"${SHA}"`,
        total: 3,
        scanned: 3,
        sources: ["events"],
        hosts: [{ host: "ws-01", events: 3, first_seen: "2026-11-20T10:00:00Z", last_seen: "2026-11-23T09:00:00Z", fields: ["process.hash.sha256"] }],
      });
    if (path === "/api/v1/intel/indicators" && c.method === "POST") return json(201, { id: "i-1" });
    return json(404, { error: { code: "not_found", message: `no stub for ${c.method} ${c.url}` } });
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("SandboxPage", () => {
  it("shows a report: verdict, reasons, hashes, indicators, hosts, external verdicts, children", async () => {
    installFakeWebSocket();
    const { calls } = stubFetch(handler());
    renderWithProviders(<SandboxPage />, { route: "/sandbox?id=s-1", me: admin() });
    const report = await screen.findByRole("region", { name: "Report of invoice.ps1" }, { timeout: 5000 });
    expect(within(report).getByLabelText("Score")).toHaveTextContent("95/100");
    expect(within(report).getByText("downloads and runs code")).toBeInTheDocument();
    expect(within(report).getByText("encoded PowerShell command")).toBeInTheDocument();
    expect(within(report).getAllByText(SHA).length).toBeGreaterThan(0);
    expect(within(report).getByText("50 of 70 engines flag it malicious")).toBeInTheDocument();
    expect(within(report).getByText("unauthorized: the service refused the API key")).toBeInTheDocument();
    expect(within(report).getByRole("img", { name: /Entropy of 2 windows/ })).toBeInTheDocument();
    expect(within(report).getByText("invoice.zip/inner.js")).toBeInTheDocument();
    expect(within(report).getByText("YARA disabled: built without the yara tag", { selector: "p" })).toBeInTheDocument();
    expect(await within(report).findByText("ws-01", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(within(report).getByRole("link", { name: /Download sample/ })).toHaveAttribute("href", "/api/v1/sandbox/submissions/s-1/download");
    // Registry keys cannot go to intel; URLs can.
    await userEvent.click(within(report).getByRole("button", { name: "Add http://evil-cdn.top/a.ps1 to intel" }));
    expect(await within(report).findByText("Added to intel", {}, { timeout: 5000 })).toBeInTheDocument();
    const post = calls.find((c) => c.url === "/api/v1/intel/indicators");
    expect(post?.body).toMatchObject({ type: "url", value: "http://evil-cdn.top/a.ps1", tags: ["sandbox"] });
    expect(within(report).queryByRole("button", { name: /HKCU/ })).toBeNull();
    // Strings are searchable.
    await userEvent.type(within(report).getByLabelText("Search strings"), "webclient");
    expect(within(report).getByText("1 of the 2 strings kept in the report")).toBeInTheDocument();
  });

  it("follows the analysis live and shows the report when done", async () => {
    const WS = installFakeWebSocket();
    let state: Submission = submission({ status: "running", stage: "strings", progress: 27, verdict: "", report: undefined, external: undefined });
    stubFetch(handler((c) => (c.url === "/api/v1/sandbox/submissions/s-1" ? json(200, state) : undefined)));
    renderWithProviders(<SandboxPage />, { route: "/sandbox?id=s-1", me: admin() });
    expect(await screen.findByText("Analysing: strings (27%)")).toBeInTheDocument();
    await waitFor(() => expect(WS.instances.length).toBeGreaterThan(0));
    const ws = WS.latest();
    act(() => ws.open());
    act(() => ws.receive({ channel: "threats", type: "sandbox.progress", data: { id: "s-1", status: "running", stage: "format", progress: 45, score: 0 } }));
    expect(await screen.findByText("Analysing: format (45%)")).toBeInTheDocument();
    state = submission();
    act(() => ws.receive({ channel: "threats", type: "sandbox.done", data: { id: "s-1", status: "done", stage: "done", progress: 100, verdict: "malicious", score: 95 } }));
    expect(await screen.findByText("downloads and runs code")).toBeInTheDocument();
  });

  it("submits a value and shows the server's error at the field", async () => {
    installFakeWebSocket();
    const { calls } = stubFetch(
      handler((c) => {
        if (c.url === "/api/v1/sandbox/submit") {
          const body = c.body as { value: string };
          if (body.value === "999.1.1.1") return json(400, { error: { code: "validation_failed", message: "not a valid IP address", field: "value" } });
          return json(202, submission({ id: "s-2", kind: "ip", target: body.value, status: "queued", report: undefined, external: undefined }));
        }
        if (c.url === "/api/v1/sandbox/submissions/s-2") return json(200, submission({ id: "s-2", kind: "ip", target: "203.0.113.5", status: "queued", report: undefined, external: undefined }));
        return undefined;
      }),
    );
    const { location } = renderWithProviders(<SandboxPage />, { route: "/sandbox", me: admin() });
    await userEvent.selectOptions(await screen.findByLabelText("Kind of value"), "ip");
    await userEvent.type(screen.getByLabelText("Value"), "999.1.1.1");
    await userEvent.click(screen.getByRole("button", { name: "Analyse" }));
    expect(await screen.findByText("not a valid IP address")).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText("Value"));
    await userEvent.type(screen.getByLabelText("Value"), "203.0.113.5");
    await userEvent.click(screen.getByRole("button", { name: "Analyse" }));
    expect(await screen.findByText("Submitted 203.0.113.5.")).toBeInTheDocument();
    expect(calls.filter((c) => c.url === "/api/v1/sandbox/submit").at(-1)?.body).toEqual({ kind: "ip", value: "203.0.113.5", reanalyze: false });
    await waitFor(() => expect(location.search.get("id")).toBe("s-2"));
  });

  it("shows YARA compile errors at their line", async () => {
    installFakeWebSocket();
    const rules: YaraRuleList = { items: [], yara_enabled: true };
    const { calls } = stubFetch(
      handler((c) => {
        if (c.url === "/api/v1/sandbox/yara-rules" && c.method === "GET") return json(200, rules);
        if (c.url === "/api/v1/sandbox/yara-rules" && c.method === "POST")
          return json(400, { error: { code: "invalid_rule", message: 'undefined string "$b"', field: "source", line: 6 } });
        return undefined;
      }),
    );
    renderWithProviders(<SandboxPage />, { route: "/sandbox?tab=rules", me: admin() });
    await userEvent.click(await screen.findByRole("button", { name: "New rule" }));
    await userEvent.type(screen.getByLabelText("Name"), "bad");
    await userEvent.click(screen.getByRole("button", { name: "Save rule" }));
    const alert = await screen.findByText(/undefined string "\$b"/);
    expect(alert).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({ name: "bad", enabled: true });
  });

  it("keeps API keys masked and sends a new one only when typed", async () => {
    installFakeWebSocket();
    const settings: SandboxSettings = {
      updated_by: "u-admin",
      updated_at: null,
      services: [
        { name: "virustotal", title: "VirusTotal", kinds: ["hash", "url", "domain", "ip"], enabled: true, configured: true, key_hint: "••••abcd", base_url: "", default_url: "https://www.virustotal.com", timeout_seconds: 15 },
        { name: "abuseipdb", title: "AbuseIPDB", kinds: ["ip"], enabled: false, configured: false, key_hint: "", base_url: "", default_url: "https://api.abuseipdb.com", timeout_seconds: 15 },
      ],
    };
    const { calls } = stubFetch(
      handler((c) => {
        if (c.url === "/api/v1/sandbox/settings" && c.method === "GET") return json(200, settings);
        if (c.url === "/api/v1/sandbox/settings" && c.method === "PUT") return json(200, settings);
        if (c.url === "/api/v1/sandbox/settings/test") return json(200, { service: "abuseipdb", ok: false, message: "unauthorized: the service refused the API key" });
        return undefined;
      }),
    );
    renderWithProviders(<SandboxPage />, { route: "/sandbox?tab=settings", me: admin() });
    const vt = await screen.findByRole("form", { name: "VirusTotal" });
    expect(within(vt).getByLabelText("API key")).toHaveAttribute("placeholder", "saved (••••abcd)");
    expect(within(vt).getByLabelText("API key")).toHaveValue("");
    const abuse = screen.getByRole("form", { name: "AbuseIPDB" });
    await userEvent.type(within(abuse).getByLabelText("API key"), "k-123456789");
    await userEvent.click(within(abuse).getByRole("button", { name: "Test" }));
    expect(await within(abuse).findByText(/Test failed: unauthorized/)).toBeInTheDocument();
    await userEvent.click(within(abuse).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ services: { abuseipdb: { api_key: "k-123456789", enabled: true, base_url: "" } } });
  });

  it("lets viewers read but not submit", async () => {
    installFakeWebSocket();
    stubFetch(handler());
    renderWithProviders(<SandboxPage />, { route: "/sandbox", me: makeMeAs("viewer", { permissions: ["self", "sandbox:read"] }) });
    expect(await screen.findByText("Your role may read sandbox reports but not submit samples.")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "invoice.ps1" })).toBeInTheDocument();
  });
});

describe("seenEventsLink", () => {
  it("searches the span the sample was seen in, an hour either side, or the last 30 days", () => {
    const url = new URL(
      seenEventsLink("file.hash.sha256:abc", [
        { first_seen: "2026-11-20T10:00:00Z", last_seen: "2026-11-21T09:00:00Z" },
        { first_seen: "2026-11-19T08:00:00Z", last_seen: "2026-11-19T08:30:00Z" },
      ]),
      "http://localhost",
    );
    expect(url.pathname).toBe("/events");
    expect(url.searchParams.get("q")).toBe("file.hash.sha256:abc");
    expect(url.searchParams.get("from")).toBe("2026-11-19T07:00:00.000Z");
    expect(url.searchParams.get("to")).toBe("2026-11-21T10:00:00.000Z");
    expect(new URL(seenEventsLink("x", []), "http://localhost").searchParams.get("range")).toBe("30d");
  });
});
