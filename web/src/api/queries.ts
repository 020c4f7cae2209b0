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
};

export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => api.me(signal),
    staleTime: 60_000,
  });
}

/** Users to pick from (group members); the first page is enough for a team. */
export function useUserChoices() {
  const query = { limit: 100 } satisfies UserQuery;
  return useQuery({
    queryKey: queryKeys.users(query),
    queryFn: ({ signal }) => api.listUsers(query, signal),
  });
}
