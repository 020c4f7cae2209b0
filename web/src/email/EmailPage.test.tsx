import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, stubFetch, renderWithProviders, type Call } from "../test/helpers";
import EmailPage from "./EmailPage";
import type { EmailAnalysis, EmailSettings, QuarantineItem, ReportSummary } from "./emailApi";

const ANALYSIS: EmailAnalysis = {
  id: "r-1",
  source: "upload",
  mailbox_id: "",
  created_by: "u-1",
  created_at: "2026-11-23T10:00:00Z",
  quarantine_id: "q-1",
  report: {
    verdict: "phishing",
    score: 100,
    reasons: [
      { code: "sender.lookalike_domain", message: 'the sender domain imitates "contoso" (typo)', weight: 40, evidence: "contosso.com" },
      { code: "auth.dmarc_fail", message: "DMARC failed", weight: 30, evidence: "dmarc=fail header.from=contosso.com" },
    ],
    message: {
      headers: [{ name: "Subject", value: "[Action required] Your password expires today" }],
      from: { name: "IT Service Desk", address: "helpdesk@contosso.com", domain: "contosso.com" },
      reply_to: [{ address: "contoso.helpdesk@gmail.com" }],
      return_path: "bounce@mailer-svc.top",
      subject: "[Action required] Your password expires today",
      message_id: "<m@contosso.com>",
      date: "2026-11-11T14:01:40Z",
      received: [
        { index: 1, from: "ylo3.vps-host.example", from_ip: "203.0.113.77", ip_class: "public", by: "mx1.contoso.com", with: "ESMTP", time: "2026-11-11T14:02:09Z", raw: "" },
        { index: 2, from: "mx1.contoso.com", from_ip: "10.20.0.5", ip_class: "private", by: "mbox3.contoso.com", with: "LMTP", time: "2026-11-11T14:02:11Z", delay_seconds: 2, raw: "" },
      ],
      auth: { spf: "softfail", dkim: "none", dmarc: "fail", headers: [{ authserv_id: "mx1.contoso.com", results: [{ method: "dmarc", result: "fail", props: { "header.from": "contosso.com" } }] }] },
      text: "",
      html: "",
      links: [],
      attachments: [],
      size: 2000,
      sha256: "ab",
    },
    urls: [
      {
        url: "http://contosso-login.top/owa/auth.php",
        host: "contosso-login.top",
        source: "html",
        text: "https://login.contoso.com/reset",
        text_host: "login.contoso.com",
        mismatch: true,
        score: 35,
        verdict: "suspicious",
        reasons: [{ code: "link.text_mismatch", message: "the link text shows another site", weight: 25 }],
      },
    ],
    attachments: [
      {
        part: "2",
        filename: "invoice.pdf.js",
        content_type: "application/pdf",
        sniffed_type: "javascript",
        size: 132,
        sha256: "064f",
        score: 80,
        verdict: "malicious",
        reasons: [{ code: "attachment.double_extension", message: "the file name hides its real type", weight: 35 }],
      },
    ],
    intel: [],
    analyzed_at: "2026-11-23T10:00:00Z",
    duration_ms: 3,
  },
};

const SUMMARY: ReportSummary = {
  id: "r-1",
  message_id: "<m@contosso.com>",
  subject: ANALYSIS.report.message.subject,
  from: "helpdesk@contosso.com",
  from_name: "IT Service Desk",
  verdict: "phishing",
  score: 100,
  source: "upload",
  mailbox_id: "",
  sha256: "ab",
  size: 2000,
  created_at: "2026-11-23T10:00:00Z",
};

const Q: QuarantineItem = {
  id: "q-1",
  report_id: "r-1",
  sha256: "ab",
  size: 2000,
  subject: ANALYSIS.report.message.subject,
  from: "helpdesk@contosso.com",
  recipients: ["bob@contoso.com"],
  verdict: "phishing",
  score: 100,
  mailbox_id: "",
  status: "quarantined",
  released_by: "",
  released_at: null,
  created_at: "2026-11-23T10:00:00Z",
};

const SETTINGS: EmailSettings = {
  policy: { org_domains: ["contoso.com"], brands: [], executives: [] },
  quarantine_verdict: "suspicious",
  raise_alerts: true,
  mailboxes: [
    {
      id: "mb-1",
      name: "SOC inbox",
      kind: "imap",
      enabled: true,
      interval_seconds: 300,
      config: { imap: { host: "imap.contoso.com", port: 993, security: "tls", username: "soc", password: "", folder: "INBOX", mark_seen: true } },
      secrets_set: ["password"],
      last_poll_at: null,
      last_error: "",
      last_count: 0,
      next_poll_at: "2026-11-23T10:00:00Z",
    },
  ],
};

function server(extra?: (call: Call) => Response | undefined) {
  return stubFetch((call) => {
    const hit = extra?.(call);
    if (hit) return hit;
    const path = call.url.split("?")[0];
    if (path === "/api/v1/email/reports") return json(200, { items: [SUMMARY], total: 1 });
    if (path === "/api/v1/email/reports/r-1") return json(200, ANALYSIS);
    if (path === "/api/v1/email/quarantine") return json(200, { items: [Q], total: 1 });
    if (path === "/api/v1/email/mailboxes" && call.method === "GET") return json(200, SETTINGS);
    return json(404, { error: { code: "not_found", message: `unexpected ${call.method} ${call.url}` } });
  });
}

afterEach(() => vi.unstubAllGlobals());

const perms = (...p: string[]) => makeMe({ permissions: ["self", ...p] });

describe("EmailPage", () => {
  it("uploads an .eml and shows the verdict report with its reasons", async () => {
    const { calls } = server((call) => (call.url === "/api/v1/email/analyze" ? json(201, ANALYSIS) : undefined));
    const user = userEvent.setup();
    const { location } = renderWithProviders(<EmailPage />, { route: "/email", me: perms("incidents:read", "incidents:write") });
    const file = new File(["From: a@b\r\n\r\nhi"], "phish.eml", { type: "message/rfc822" });
    await user.upload(screen.getByLabelText("Message file (.eml)"), file);
    await user.click(screen.getByRole("button", { name: "Analyse" }));
    const verdict = await screen.findByRole("region", { name: "Verdict" });
    expect(within(verdict).getByText("Score 100 / 100")).toBeInTheDocument();
    expect(within(verdict).getByText("Phishing")).toBeInTheDocument();
    expect(within(verdict).getByText('the sender domain imitates "contoso" (typo)')).toBeInTheDocument();
    expect(within(verdict).getByRole("link", { name: "download .eml" })).toHaveAttribute("href", "/api/v1/email/quarantine/q-1/raw");
    const post = calls.find((c) => c.url === "/api/v1/email/analyze")!;
    expect(post.method).toBe("POST");
    expect(post.headers["content-type"]).toBe("message/rfc822");
    expect(location.search.get("report")).toBe("r-1");
    // The Received chain, authentication, the mismatching link and the attachment.
    const chain = screen.getByRole("table", { name: "Received chain" });
    expect(within(chain).getByText("203.0.113.77")).toBeInTheDocument();
    expect(within(chain).getByText("private")).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Authentication results" })).getByText("fail")).toBeInTheDocument();
    expect(screen.getByText("Shows login.contoso.com, goes to contosso-login.top")).toBeInTheDocument();
    expect(within(screen.getByRole("table", { name: "Attachments" })).getByText("invoice.pdf.js")).toBeInTheDocument();
  });

  it("shows the server's error for a file that is not a message", async () => {
    server((call) =>
      call.url === "/api/v1/email/analyze"
        ? json(400, { error: { code: "not_email", field: "file", message: "the file is not an e-mail message: it has no header fields" } })
        : undefined,
    );
    const user = userEvent.setup();
    renderWithProviders(<EmailPage />, { route: "/email", me: perms("incidents:read", "incidents:write") });
    await user.upload(screen.getByLabelText("Message file (.eml)"), new File(["\x00"], "x.eml"));
    await user.click(screen.getByRole("button", { name: "Analyse" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the file is not an e-mail message");
  });

  it("releases a quarantined message when the user may respond", async () => {
    const { calls } = server((call) =>
      call.url === "/api/v1/email/quarantine/q-1/release" ? json(200, { ...Q, status: "released" }) : undefined,
    );
    const user = userEvent.setup();
    renderWithProviders(<EmailPage />, { route: "/email?tab=quarantine", me: perms("incidents:read", "response:execute") });
    const row = (await screen.findByRole("button", { name: Q.subject })).closest("tr")!;
    expect(within(row).getByRole("link", { name: `Download ${Q.subject}` })).toHaveAttribute("href", "/api/v1/email/quarantine/q-1/raw");
    await user.click(within(row).getByRole("button", { name: `Release ${Q.subject}` }));
    await waitFor(() => expect(calls.some((c) => c.url === "/api/v1/email/quarantine/q-1/release" && c.method === "POST")).toBe(true));
  });

  it("hides release and delete from analysts, and mailboxes from those without settings access", async () => {
    server();
    renderWithProviders(<EmailPage />, { route: "/email?tab=quarantine", me: perms("incidents:read", "incidents:write") });
    const row = (await screen.findByRole("button", { name: Q.subject })).closest("tr")!;
    expect(within(row).queryByRole("button", { name: `Release ${Q.subject}` })).not.toBeInTheDocument();
    expect(within(row).queryByRole("button", { name: `Delete ${Q.subject}` })).not.toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: "Mailboxes" })).not.toBeInTheDocument();
  });

  it("saves mailbox settings without sending the stored secret back", async () => {
    const { calls } = server((call) => (call.url === "/api/v1/email/mailboxes" && call.method === "PUT" ? json(200, SETTINGS) : undefined));
    const user = userEvent.setup();
    renderWithProviders(<EmailPage />, { route: "/email?tab=mailboxes", me: perms("incidents:read", "incidents:write", "settings:read", "settings:write") });
    expect(await screen.findByText("Stored; leave empty to keep it.")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Executives"), "Jane Whitfield");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Settings saved.");
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.body).toMatchObject({
      policy: { org_domains: ["contoso.com"], executives: ["Jane Whitfield"] },
      mailboxes: [{ id: "mb-1", kind: "imap", config: { imap: { host: "imap.contoso.com", password: "" } } }],
    });
  });
});
