// Compliance: the organisation-wide configuration assessment (SCA) API
// (docs/vulnerabilities.md, "Compliance") and its query hooks.

import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";

export interface SCAPolicyResult {
  policy_id: string;
  policy_name: string;
  score: number;
  passed: number;
  failed: number;
  not_applicable: number;
  finished_at: string;
  worst_failing: Array<{ id: string; title: string; severity: string }>;
}

export interface SCAEndpoint {
  endpoint_id: string;
  name: string;
  hostname: string;
  platform: string;
  platform_version: string;
  /** Average of the policies' scores; null when never assessed. */
  score: number | null;
  failed: number;
  policies: SCAPolicyResult[];
}

export interface SCAOverview {
  endpoints: SCAEndpoint[];
  policies: Array<{ policy_id: string; policy_name: string; endpoints: number; average_score: number; passed: number; failed: number }>;
  summary: { endpoints: number; assessed: number; average_score: number | null; failed_checks: number };
}

export interface SCACheckRow {
  policy_id: string;
  policy_name: string;
  check_id: string;
  title: string;
  severity: string;
  remediation: string;
  rationale: string;
  compliance: Record<string, string>;
  failing: number;
  passing: number;
  assessed: number;
  failing_endpoints: Array<{ id: string; name: string }>;
}

export interface SCACheckList {
  items: SCACheckRow[];
  total: number;
  endpoints: number;
}

export const complianceKeys = {
  overview: (policy: string) => ["compliance", "overview", policy] as const,
  checks: (policy: string) => ["compliance", "checks", policy] as const,
};

export function useSCAOverview(policy: string) {
  return useQuery({
    queryKey: complianceKeys.overview(policy),
    queryFn: ({ signal }) => api.request<SCAOverview>("GET", "/api/v1/sca", { query: { policy: policy || undefined }, signal }),
  });
}

export function useSCAChecks(policy: string) {
  return useQuery({
    queryKey: complianceKeys.checks(policy),
    queryFn: ({ signal }) => api.request<SCACheckList>("GET", "/api/v1/sca/checks", { query: { policy: policy || undefined }, signal }),
  });
}
