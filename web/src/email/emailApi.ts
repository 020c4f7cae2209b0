// E-mail analysis: the types of /api/v1/email/*, the calls, and the
// TanStack Query hooks of the E-mail page.

import { useQuery } from "@tanstack/react-query";
import { ApiError, api, readCookie } from "../api/client";

export type Verdict = "clean" | "suspicious" | "phishing" | "malicious";

export interface Reason {
  code: string;
  message: string;
  weight: number;
  evidence?: string;
}

export interface Address {
  name?: string;
  address: string;
  domain?: string;
}

export interface Hop {
  index: number;
  from?: string;
  from_host?: string;
  from_ip?: string;
  ip_class?: string;
  by?: string;
  with?: string;
  id?: string;
  for?: string;
  time?: string;
  delay_seconds?: number | null;
  raw: string;
}

export interface AuthResult {
  method: string;
  result: string;
  reason?: string;
  props?: Record<string, string>;
}

export interface Link {
  url: string;
  host?: string;
  source: "text" | "html" | "form" | "image";
  text?: string;
  text_host?: string;
  mismatch: boolean;
}

export interface EmailMessage {
  headers: { name: string; value: string }[];
  from?: Address;
  sender?: Address;
  reply_to?: Address[];
  to?: Address[];
  cc?: Address[];
  return_path?: string;
  subject: string;
  message_id?: string;
  date?: string;
  date_raw?: string;
  received: Hop[];
  auth: {
    spf: string;
    dkim: string;
    dmarc: string;
    headers: { authserv_id: string; results: AuthResult[] }[];
    received_spf?: { result: string; props?: Record<string, string>; raw: string };
  };
  text: string;
  html: string;
  links: Link[];
  attachments: { part: string; filename: string; content_type: string; sniffed_type: string; size: number; sha256: string }[];
  size: number;
  sha256: string;
  problems?: string[];
}

export interface IntelHit {
  value: string;
  type: string;
  severity: string;
  indicator_id: string;
  source?: string;
}

export interface URLReport extends Link {
  registered_domain?: string;
  host_unicode?: string;
  score: number;
  verdict: Verdict;
  reasons: Reason[];
  typosquats?: { brand: string; technique: string; distance?: number; label: string }[];
  intel?: IntelHit[];
}

export interface AttachmentReport {
  part: string;
  filename: string;
  content_type: string;
  sniffed_type: string;
  size: number;
  sha256: string;
  score: number;
  verdict: Verdict;
  reasons: Reason[];
  sandbox?: { verdict: string; score: number; type?: string; reasons: Reason[]; error?: string };
  intel?: IntelHit[];
}

export interface EmailReport {
  verdict: Verdict;
  score: number;
  reasons: Reason[];
  message: EmailMessage;
  date_skew_seconds?: number;
  sender_lookalike?: { brand: string; technique: string; distance?: number; label: string }[];
  urls: URLReport[];
  attachments: AttachmentReport[];
  intel: IntelHit[];
  analyzed_at: string;
  duration_ms: number;
}

export interface EmailAnalysis {
  id: string;
  source: "upload" | "mailbox";
  mailbox_id: string;
  created_by: string;
  created_at: string;
  quarantine_id: string;
  report: EmailReport;
}

export interface ReportSummary {
  id: string;
  message_id: string;
  subject: string;
  from: string;
  from_name: string;
  verdict: Verdict;
  score: number;
  source: string;
  mailbox_id: string;
  sha256: string;
  size: number;
  created_at: string;
}

export interface QuarantineItem {
  id: string;
  report_id: string;
  sha256: string;
  size: number;
  subject: string;
  from: string;
  recipients: string[];
  verdict: Verdict;
  score: number;
  mailbox_id: string;
  status: "quarantined" | "released";
  released_by: string;
  released_at: string | null;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export type MailboxKind = "imap" | "gmail" | "graph";

export interface MailboxConfig {
  imap?: {
    host: string;
    port: number;
    security: "tls" | "starttls" | "none";
    username: string;
    password?: string;
    folder: string;
    move_to?: string;
    mark_seen: boolean;
  };
  gmail?: { user: string; query?: string; client_id?: string; client_secret?: string; refresh_token?: string; access_token?: string };
  graph?: { tenant_id: string; client_id: string; client_secret?: string; user: string; folder?: string };
}

export interface Mailbox {
  id: string;
  name: string;
  kind: MailboxKind;
  enabled: boolean;
  interval_seconds: number;
  config: MailboxConfig;
  secrets_set: string[];
  last_poll_at: string | null;
  last_error: string;
  last_count: number;
  next_poll_at: string;
}

export interface EmailSettings {
  policy: { org_domains: string[]; brands: string[]; executives: string[] };
  quarantine_verdict: Verdict;
  raise_alerts: boolean;
  mailboxes: Mailbox[];
}

export interface MailboxInput {
  id: string;
  name: string;
  kind: MailboxKind;
  enabled: boolean;
  interval_seconds: number;
  config: MailboxConfig;
}

export interface PollResult {
  mailbox_id: string;
  fetched: number;
  analyzed: number;
  quarantined: number;
  skipped: number;
  error?: string;
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  clean: "Clean",
  suspicious: "Suspicious",
  phishing: "Phishing",
  malicious: "Malicious",
};

/**
 * POST /api/v1/email/analyze with the .eml as the raw body
 * (message/rfc822). Session and CSRF as in the API client: on a 401 the
 * session is refreshed (GET /api/v1/me) and the upload sent once more.
 */
export async function analyzeEmail(file: Blob, signal?: AbortSignal): Promise<EmailAnalysis> {
  const send = async () => {
    const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "message/rfc822" };
    const csrf = readCookie("es_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init: RequestInit = { method: "POST", headers, credentials: "same-origin", body: file };
    if (signal) init.signal = signal;
    try {
      return await fetch("/api/v1/email/analyze", init);
    } catch (err) {
      if ((err instanceof DOMException && err.name === "AbortError") || signal?.aborted) throw err;
      throw new ApiError(0, "network_error", "Cannot reach the EventSec server. Check your connection and try again.");
    }
  };
  let res = await send();
  if (res.status === 401) {
    await api.me(signal);
    res = await send();
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined;
  if (!res.ok) {
    const e = body?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `The server answered ${res.status}.`, e?.field || undefined);
  }
  return body as unknown as EmailAnalysis;
}

export function useEmailReports(verdict: string) {
  return useQuery({
    queryKey: ["email", "reports", verdict],
    queryFn: ({ signal }) => api.get<Page<ReportSummary>>("/api/v1/email/reports", { query: { verdict: verdict || undefined, limit: 50 }, signal }),
  });
}

export function useEmailReport(id: string) {
  return useQuery({
    queryKey: ["email", "report", id],
    queryFn: ({ signal }) => api.get<EmailAnalysis>(`/api/v1/email/reports/${encodeURIComponent(id)}`, { signal }),
    enabled: id !== "",
  });
}

export function useQuarantine(status: string) {
  return useQuery({
    queryKey: ["email", "quarantine", status],
    queryFn: ({ signal }) =>
      api.get<Page<QuarantineItem>>("/api/v1/email/quarantine", { query: { status: status || undefined, limit: 100 }, signal }),
  });
}

export function useEmailSettings(enabled: boolean) {
  return useQuery({
    queryKey: ["email", "settings"],
    queryFn: ({ signal }) => api.get<EmailSettings>("/api/v1/email/mailboxes", { signal }),
    enabled,
  });
}

export function releaseQuarantine(id: string): Promise<QuarantineItem> {
  return api.post<QuarantineItem>(`/api/v1/email/quarantine/${encodeURIComponent(id)}/release`);
}

export function deleteQuarantine(id: string): Promise<void> {
  return api.delete(`/api/v1/email/quarantine/${encodeURIComponent(id)}`);
}

export function rawURL(id: string): string {
  return `/api/v1/email/quarantine/${encodeURIComponent(id)}/raw`;
}

export function putEmailSettings(s: {
  policy: EmailSettings["policy"];
  quarantine_verdict: Verdict;
  raise_alerts: boolean;
  mailboxes: MailboxInput[];
}): Promise<EmailSettings> {
  return api.put<EmailSettings>("/api/v1/email/mailboxes", s);
}

export function pollMailbox(id: string): Promise<PollResult> {
  return api.post<PollResult>(`/api/v1/email/mailboxes/${encodeURIComponent(id)}/poll`);
}
