// TanStack Query keys and the hooks shared by several screens.

import { useQuery } from "@tanstack/react-query";
import { api } from "./client";
import type { UserQuery } from "./types";

export const queryKeys = {
  me: ["me"] as const,
  users: (query: UserQuery = {}) => ["users", query] as const,
  allUsers: ["users"] as const,
  groups: ["groups"] as const,
  apiKeys: ["api-keys"] as const,
  audit: (filters: object) => ["audit", filters] as const,
  allAudit: ["audit"] as const,
  orgs: ["orgs"] as const,
  roles: ["roles"] as const,
  events: (search: object) => ["events", "search", search] as const,
  event: (id: string) => ["events", "one", id] as const,
  eventStats: (query: object) => ["events", "stats", query] as const,
  eventTerms: (query: object) => ["events", "terms", query] as const,
  allEvents: ["events"] as const,
  savedSearches: ["saved-searches"] as const,
  threatMap: (range: object) => ["threatmap", range] as const,
  settings: ["settings"] as const,
};

export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => api.me(signal),
    staleTime: 60_000,
  });
}

/** The roles and what each is for; they change only with a new server version. */
export function useRoles() {
  return useQuery({
    queryKey: queryKeys.roles,
    queryFn: ({ signal }) => api.listRoles(signal),
    staleTime: 10 * 60_000,
  });
}
