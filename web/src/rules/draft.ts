// What a rule says about itself, read from its text in the browser while
// the server refuses it. The server's check only describes a rule that
// validates; until then the editor would show what the rule last was, and
// a reader takes that for what they typed. So this reads the plain
// top-level keys of a Sigma rule (or a JSON rule's members) leniently:
// whatever can be read is shown, the rest is left out, nothing throws.

import { LEVELS, type AttackTactic, type AttackTechnique, type Level, type Logsource, type RuleFormat, type RuleStatus } from "../api/detection";

/** The facts the editor's "The rule" panel shows. */
export interface RuleFactsView {
  title: string;
  description: string;
  author: string;
  status: RuleStatus | string;
  level: Level | "";
  logsource: Logsource;
  attack: { tactics: AttackTactic[]; techniques: AttackTechnique[] };
  falsepositives: string[];
  references: string[];
}

/** Names of tactics and techniques already known (from the rule as last validated). */
export interface AttackNames {
  tactics?: readonly AttackTactic[];
  techniques?: readonly AttackTechnique[];
}

type Value = string | string[] | { [key: string]: string };

/** Reads what it can of a rule's text; null when nothing at all can be read. */
export function readDraft(format: RuleFormat, source: string, known: AttackNames = {}): RuleFactsView | null {
  const top = format === "json" ? readJSON(source) : readSigmaTop(source);
  if (!top) return null;
  const text = (k: string) => {
    const v = top[k];
    return typeof v === "string" ? v : "";
  };
  const list = (k: string) => {
    const v = top[k];
    if (Array.isArray(v)) return v.filter((x) => x !== "");
    return typeof v === "string" && v !== "" ? [v] : [];
  };
  const ls = top.logsource;
  const logsource: Logsource =
    ls && typeof ls === "object" && !Array.isArray(ls) ? { product: ls.product ?? "", category: ls.category ?? "", service: ls.service ?? "" } : { product: "", category: "", service: "" };
  const level = text("level").toLowerCase();
  return {
    title: text("title") || text("name"),
    description: text("description"),
    author: text("author"),
    status: text("status"),
    level: (LEVELS as readonly string[]).includes(level) ? (level as Level) : "",
    logsource,
    attack: attackOf(list("tags"), known),
    falsepositives: list("falsepositives"),
    references: list("references"),
  };
}

const TECHNIQUE = /^t\d{4}(\.\d{3})?$/i;

/** The ATT&CK tactics and techniques of `attack.*` tags, named when the name is known. */
export function attackOf(tags: readonly string[], known: AttackNames = {}): RuleFactsView["attack"] {
  const tactics: AttackTactic[] = [];
  const techniques: AttackTechnique[] = [];
  for (const tag of tags) {
    const m = /^attack\.(.+)$/i.exec(tag.trim());
    if (!m?.[1]) continue;
    const v = m[1].toLowerCase();
    if (TECHNIQUE.test(v)) {
      const id = v.toUpperCase();
      if (!techniques.some((t) => t.id === id)) techniques.push({ id, name: known.techniques?.find((t) => t.id === id)?.name ?? "" });
    } else if (/^[a-z]+(-[a-z]+)*$/.test(v)) {
      // Groups (attack.g0016) and software (attack.s0002) are not tactics: they have digits.
      const hit = known.tactics?.find((t) => t.shortname === v);
      if (!tactics.some((t) => t.shortname === v)) tactics.push(hit ?? { id: v, name: tacticName(v), shortname: v });
    }
  }
  return { tactics, techniques };
}

/** "command-and-control" → "Command and Control", as ATT&CK names its tactics. */
function tacticName(shortname: string): string {
  return shortname
    .split("-")
    .map((w) => (w === "and" ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(" ");
}

function readJSON(source: string): Record<string, Value> | null {
  let v: unknown;
  try {
    v = JSON.parse(source);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === "string") out[k] = x;
    else if (Array.isArray(x)) out[k] = x.filter((s): s is string => typeof s === "string");
  }
  return out;
}

/**
 * The top-level keys of a Sigma rule's first document: plain or quoted
 * scalars, block scalars (| and >), block and flow lists, and one level of
 * mapping (logsource). A line it cannot read is skipped.
 */
export function readSigmaTop(source: string): Record<string, Value> | null {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: Record<string, Value> = {};
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^---\s*$/.test(line) && found) break; // a second document (a correlation's rules)
    const m = /^([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$/.exec(line.replace(/\s+$/, ""));
    if (!m?.[1]) continue;
    const key = m[1];
    const rest = stripComment(m[2] ?? "");
    // The lines under the key: indented, or blank.
    const body: string[] = [];
    while (i + 1 < lines.length && /^(\s+\S|\s*$)/.test(lines[i + 1] ?? "") && !/^---\s*$/.test(lines[i + 1] ?? "")) body.push(lines[++i] ?? "");
    while (body.length > 0 && (body.at(-1) ?? "").trim() === "") body.pop();
    found = true;
    if (/^[|>][+-]?\d*$/.test(rest)) out[key] = blockScalar(rest.startsWith(">"), body);
    else if (rest.startsWith("[")) out[key] = flowList(rest);
    else if (rest !== "") out[key] = scalar(rest);
    else if (body.some((l) => /^\s*-(\s|$)/.test(l))) out[key] = blockList(body);
    else if (body.length > 0) out[key] = mapping(body);
    else out[key] = "";
  }
  return found ? out : null;
}

function stripComment(v: string): string {
  if (v.startsWith("'") || v.startsWith('"')) return v.trim();
  return v.replace(/(^|\s)#.*$/, "").trim();
}

function scalar(v: string): string {
  v = v.trim();
  if (v.startsWith("'")) {
    // '' is a quote inside; an unclosed quote runs to the end of the line.
    let inner = "";
    for (let i = 1; i < v.length; i++) {
      if (v[i] !== "'") inner += v[i];
      else if (v[i + 1] === "'") inner += v[++i];
      else break;
    }
    return inner;
  }
  if (v.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"?/.exec(v);
    return (m?.[1] ?? v.slice(1)).replace(/\\(["\\/])/g, "$1").replace(/\\n/g, "\n").replace(/\\t/g, "\t");
  }
  return stripComment(v);
}

function flowList(v: string): string[] {
  const inner = v.replace(/^\[/, "").replace(/\]\s*(#.*)?$/, "");
  return inner
    .split(",")
    .map((x) => scalar(x))
    .filter((x) => x !== "");
}

function blockList(body: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of body) {
    const m = /^\s*-\s+(.*)$/.exec(l);
    if (m?.[1] !== undefined) out.push(scalar(m[1]));
  }
  return out;
}

function mapping(body: readonly string[]): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  for (const l of body) {
    if (l.length - l.trimStart().length !== indent) continue;
    const m = /^\s*([\w.-]+)\s*:\s*(.*)$/.exec(l);
    if (m?.[1]) out[m[1]] = scalar(m[2] ?? "");
  }
  return out;
}

function blockScalar(folded: boolean, body: readonly string[]): string {
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  const lines = body.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
  if (!folded) return lines.join("\n");
  // Folded: lines join with spaces, a blank line is a line break.
  return lines
    .join("\n")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\n/g, " "))
    .join("\n");
}
