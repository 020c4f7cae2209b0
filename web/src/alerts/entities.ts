// How an alert's entities read. The server keeps a user's bare name (the
// value events are searched by) with its domain beside it, and lists a
// process or a file both by its path and by its name when events carry
// both (process.executable and process.name, file.path and file.name); a
// reader wants CORP\alice, and each binary or file once.

import type { AlertEntities } from "../api/detection";

/** The lists of an alert's entities. */
export type EntityKind = Exclude<keyof AlertEntities, "user_domains">;

/** One entity as shown: `label` for the reader, `value` for searches. */
export interface EntityItem {
  value: string;
  label: string;
}

/** "CORP\alice" when the domain is known, else the name. */
export function userLabel(name: string, domain: string | undefined): string {
  return domain ? `${domain}\\${name}` : name;
}

/** The last part of a Windows or POSIX path. */
function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** The kinds listed both by path and by bare name. */
const PATH_KINDS: ReadonlySet<EntityKind> = new Set(["processes", "files"]);

/**
 * The entities of one kind to show. Users read with their domain; a bare
 * process or file name is left out when a listed path ends with it
 * (Windows names compare without case).
 */
export function entityItems(entities: AlertEntities | undefined, kind: EntityKind): EntityItem[] {
  const values = entities?.[kind] ?? [];
  if (kind === "users") return values.map((v) => ({ value: v, label: userLabel(v, entities?.user_domains?.[v]) }));
  if (PATH_KINDS.has(kind)) {
    const bases = new Set(values.filter((v) => /[\\/]/.test(v)).map((v) => baseName(v).toLowerCase()));
    return values.filter((v) => /[\\/]/.test(v) || !bases.has(v.toLowerCase())).map((v) => ({ value: v, label: v }));
  }
  return values.map((v) => ({ value: v, label: v }));
}
