// Reading the nested ECS document of an event: one field by its dotted
// path, the table's columns, and the document as rows of a tree.

import type { FieldValue, Fields, SecurityEvent } from "../api/types";

/** The value at a dotted path such as `source.geo.country_iso_code`, or undefined. */
export function fieldAt(fields: Fields | undefined, path: string): FieldValue | undefined {
  if (!fields) return undefined;
  if (path in fields) return fields[path];
  let cur: FieldValue | undefined = fields;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Fields)[part];
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** A scalar, or a list of scalars, as one line of text ("" for nothing). */
export function formatValue(value: FieldValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(formatValue).filter((s) => s !== "").join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The text shown for a column of an event. */
export function eventValue(ev: SecurityEvent, path: string): string {
  if (path === "message") return ev.message ?? formatValue(fieldAt(ev.fields, "message"));
  if (path === "input") return ev.input;
  return formatValue(fieldAt(ev.fields, path));
}

/** What happened, from the fields, for an event without a message (e.g. a Windows event): "4625 · logon-failed · failure". */
export function eventWhat(ev: SecurityEvent): string {
  return ["event.code", "event.action", "event.outcome"]
    .map((f) => eventValue(ev, f))
    .filter(Boolean)
    .join(" · ");
}

export interface Column {
  /** A field path, or one of the fixed columns (@timestamp, severity). */
  id: string;
  label: string;
}

/** Always shown first. */
export const FIXED_COLUMNS: readonly Column[] = [
  { id: "@timestamp", label: "Time" },
  { id: "severity", label: "Severity" },
];

const LABELS: Record<string, string> = {
  "host.name": "Host",
  "user.name": "User",
  "source.ip": "Source",
  "event.dataset": "Dataset",
  message: "Message",
  input: "Input",
  "destination.ip": "Destination",
  "event.action": "Action",
  "event.outcome": "Outcome",
  "event.category": "Category",
  "process.name": "Process",
  "source.geo.country_iso_code": "Country",
};

export function columnLabel(id: string): string {
  return LABELS[id] ?? id;
}

export const DEFAULT_COLUMNS: readonly string[] = ["host.name", "user.name", "source.ip", "event.dataset", "message"];

/** Offered by the Columns chooser; any other field can be typed in. */
export const SUGGESTED_COLUMNS: readonly string[] = [
  "host.name",
  "user.name",
  "source.ip",
  "event.dataset",
  "message",
  "input",
  "event.action",
  "event.outcome",
  "event.category",
  "event.code",
  "source.port",
  "source.geo.country_iso_code",
  "source.geo.city_name",
  "source.as.organization.name",
  "destination.ip",
  "destination.port",
  "process.name",
  "process.pid",
  "process.command_line",
  "file.path",
  "url.full",
  "network.protocol",
  "user.domain",
  "host.ip",
  "observer.name",
];

const COLUMNS_KEY = "eventsec.events.columns";

/** A field path a person may type: letters, digits, _, -, @ and dots between. */
export function isFieldPath(value: string): boolean {
  return /^[A-Za-z_@][\w@-]*(\.[\w@-]+)*$/.test(value);
}

/**
 * The columns named by the URL's `cols` (comma-separated field paths), or
 * null when it has none. Paths that are not field paths are left out.
 */
export function readColumnsParam(params: URLSearchParams): string[] | null {
  const raw = params.get("cols");
  if (raw === null) return null;
  const out: string[] = [];
  for (const c of raw.split(",")) {
    const col = c.trim();
    if (isFieldPath(col) && !out.includes(col)) out.push(col);
  }
  return out;
}

export function writeColumnsParam(params: URLSearchParams, columns: readonly string[]): void {
  params.set("cols", columns.join(","));
}

export function loadColumns(): string[] {
  try {
    const raw = window.localStorage.getItem(COLUMNS_KEY);
    if (raw) {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed) && parsed.every((c) => typeof c === "string" && isFieldPath(c))) return parsed as string[];
    }
  } catch {
    // Unreadable or refused storage: the defaults.
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumns(columns: readonly string[]): void {
  try {
    window.localStorage.setItem(COLUMNS_KEY, JSON.stringify(columns));
  } catch {
    // Private windows may refuse storage; the choice still holds for now.
  }
}

/** One row of the document tree: an object (with children) or a value. */
export interface TreeNode {
  /** The key at this level ("ip", or "[0]" in a list). */
  key: string;
  /** The dotted field path; list items share their list's path. */
  path: string;
  value?: string | number | boolean | null;
  children?: TreeNode[];
}

function isScalar(v: FieldValue): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

/** The nested document as a tree, keys in alphabetical order. */
export function fieldTree(fields: Fields, prefix = ""): TreeNode[] {
  return Object.keys(fields)
    .sort()
    .map((key) => node(key, prefix ? `${prefix}.${key}` : key, fields[key] as FieldValue));
}

function node(key: string, path: string, value: FieldValue): TreeNode {
  if (isScalar(value)) return { key, path, value };
  if (Array.isArray(value)) {
    if (value.length === 1 && isScalar(value[0] as FieldValue)) return { key, path, value: value[0] as string | number | boolean | null };
    return {
      key,
      path,
      children: value.map((item, i) =>
        isScalar(item) ? { key: `[${i}]`, path, value: item } : { key: `[${i}]`, path, children: fieldTree(item as Fields, path) },
      ),
    };
  }
  return { key, path, children: fieldTree(value, path) };
}

// --- The field list beside the table ---

/** A field of the events shown: in how many of them, and the kind of its values (to filter by them typed, as the drawer does). */
export interface ShownField {
  path: string;
  /** Events shown that have it. */
  count: number;
  kind: "string" | "number" | "boolean";
}

/** Every field path with a value in `fields`, lists and objects in lists included (their items share the list's path). */
function collectPaths(value: FieldValue, path: string, out: Map<string, ShownField["kind"]>): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collectPaths(item as FieldValue, path, out);
    return;
  }
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collectPaths(v as FieldValue, path ? `${path}.${k}` : k, out);
    return;
  }
  if (path === "" || value === "") return;
  const kind = typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
  // A field seen with text and numbers is filtered by as text.
  const prev = out.get(path);
  out.set(path, prev === undefined || prev === kind ? kind : "string");
}

/** The fields of `events` (flattened ECS paths), each with how many of them have it, in listFieldOrder. */
export function shownFields(events: readonly SecurityEvent[]): ShownField[] {
  const all = new Map<string, ShownField>();
  for (const ev of events) {
    const paths = new Map<string, ShownField["kind"]>();
    paths.set("@timestamp", "string");
    if (ev.message) paths.set("message", "string");
    collectPaths(ev.fields ?? {}, "", paths);
    if (ev.input) paths.set("input", "string");
    for (const [path, kind] of paths) {
      const f = all.get(path);
      if (!f) all.set(path, { path, count: 1, kind });
      else {
        f.count++;
        if (f.kind !== kind) f.kind = "string";
      }
    }
  }
  return [...all.values()].sort((a, b) => compareFields(a.path, b.path));
}

/** Pinned to the top of the field list, in this order; a trailing ".*" pins the whole set. */
const PINNED = ["@timestamp", "message", "event.*", "host.name", "user.name", "source.ip", "destination.ip", "process.*"];

/** ECS field sets (ecs 8.x): their fields come before other (vendor, custom) ones. */
const ECS_ROOTS = new Set([
  "agent", "as", "client", "cloud", "code_signature", "container", "data_stream", "destination", "device", "dll", "dns", "ecs", "elf",
  "email", "error", "event", "faas", "file", "geo", "group", "hash", "host", "http", "interface", "labels", "log", "macho", "message",
  "network", "observer", "orchestrator", "organization", "os", "package", "pe", "process", "registry", "related", "risk", "rule",
  "server", "service", "source", "span", "tags", "threat", "tls", "trace", "transaction", "url", "user", "user_agent", "vlan",
  "vulnerability", "x509",
]);

function rank(path: string): number {
  const i = PINNED.findIndex((p) => (p.endsWith(".*") ? path.startsWith(p.slice(0, -1)) : path === p));
  if (i >= 0) return i;
  return ECS_ROOTS.has(path.split(".")[0] ?? "") ? PINNED.length : PINNED.length + 1;
}

/** The field list's order: pinned fields, then other ECS fields, then the rest; alphabetical within each. */
export function compareFields(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A value the terms API sent (always text) as the drawer would filter by it: numbers and booleans bare. */
export function termValue(term: string, kind: ShownField["kind"]): string | number | boolean {
  if (kind === "number" && term.trim() !== "" && Number.isFinite(Number(term))) return Number(term);
  if (kind === "boolean" && (term === "true" || term === "false")) return term === "true";
  return term;
}
