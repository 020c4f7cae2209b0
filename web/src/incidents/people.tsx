// Who work can go to: users and work groups. The users come from the
// directory when the caller may list users (users:read); otherwise from the
// members of the org's work groups, which every role may read, so that an
// analyst can still pick a colleague without the directory.

import { useMemo } from "react";
import { useDirectory, useWorkGroups } from "../api/soc";
import type { Me } from "../api/types";
import { hasPermission } from "../app/session";

export interface Person {
  id: string;
  label: string;
  /** Empty for groups. */
  email: string;
}

export interface People {
  users: Person[];
  groups: Person[];
  /** Whether the user list is the whole directory (false: group members only). */
  fullDirectory: boolean;
  loading: boolean;
}

export function usePeople(me: Me): People {
  const canList = hasPermission(me, "users:read");
  const directory = useDirectory(canList);
  const groups = useWorkGroups();
  return useMemo(() => {
    const byId = new Map<string, Person>();
    byId.set(me.id, { id: me.id, label: `${me.name || me.email} (me)`, email: me.email });
    for (const u of directory.data?.items ?? []) {
      if (!u.disabled && !byId.has(u.id)) byId.set(u.id, { id: u.id, label: u.name ? `${u.name} <${u.email}>` : u.email, email: u.email });
    }
    for (const g of groups.data?.items ?? []) {
      for (const m of g.members ?? []) if (!byId.has(m.id)) byId.set(m.id, { id: m.id, label: m.name ? `${m.name} <${m.email}>` : m.email, email: m.email });
    }
    const [self, ...rest] = [...byId.values()];
    const users = [self as Person, ...rest.sort((a, b) => a.label.localeCompare(b.label))];
    return {
      users,
      groups: (groups.data?.items ?? []).map((g) => ({ id: g.id, label: g.name, email: "" })).sort((a, b) => a.label.localeCompare(b.label)),
      fullDirectory: canList && directory.isSuccess,
      loading: (canList && directory.isPending) || groups.isPending,
    };
  }, [me, canList, directory.data, directory.isSuccess, directory.isPending, groups.data, groups.isPending]);
}

/** A person's name for display: the view's e-mail, "you", or the id. */
export function personName(id: string, email: string | undefined, me: Pick<Me, "id">): string {
  if (!id) return "";
  if (id === me.id) return "you";
  return email || id;
}
