// What a rule says about itself, read from its text in the browser while
// the server refuses it. The server's check only describes a rule that
// validates; until then the editor would show what the rule last was, and
// a reader takes that for what they typed. So this reads the top-level
// keys of a Sigma rule (or a JSON rule's members) leniently: whatever can
// be read is shown, the rest is left out, nothing throws.

import { yamlLanguage } from "@codemirror/lang-yaml";
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

/** A node of the YAML parser's tree (Lezer's SyntaxNode, named through the editor's YAML language). */
type SyntaxNode = ReturnType<typeof yamlLanguage.parser.parse>["topNode"];

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
 * The top-level keys of a Sigma rule's first document, each read on its
 * own with the editor's YAML parser (Lezer's, which reads broken text as
 * far as it can): plain and quoted scalars, block scalars (| and >), block
 * and flow lists, and one level of mapping, block or flow (logsource:
 * {product: windows}). Reading key by key keeps a broken value (an
 * unclosed quote) from swallowing the keys after it.
 */
export function readSigmaTop(source: string): Record<string, Value> | null {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: Record<string, Value> = {};
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^---\s*$/.test(line) && found) break; // a second document (a correlation's rules)
    const m = /^([A-Za-z_][\w.-]*)\s*:(\s|$)/.exec(line);
    if (!m?.[1]) continue;
    // The key's lines: its own, then those indented under it, blank, or
    // items of a list written at the key's indentation ("- a").
    const chunk = [line];
    while (i + 1 < lines.length && /^(\s+\S|\s*$|-(\s|$))/.test(lines[i + 1] ?? "") && !/^---\s*$/.test(lines[i + 1] ?? "")) chunk.push(lines[++i] ?? "");
    found = true;
    out[m[1]] = readPairValue(chunk.join("\n"));
  }
  return found ? out : null;
}

/** The value of the one "key: value" pair in `text`, "" when it has none it can read. */
function readPairValue(text: string): Value {
  const doc = yamlLanguage.parser.parse(text).topNode.getChild("Document");
  const pair = doc?.getChild("BlockMapping")?.getChild("Pair");
  const value = pair ? valueOf(pair) : null;
  if (!value) return "";
  const read = (n: SyntaxNode) => text.slice(n.from, n.to);
  switch (value.name) {
    case "FlowSequence":
    case "BlockSequence":
      return value
        .getChildren("Item")
        .map((item) => scalarNode(valueOf(item), read))
        .filter((x): x is string => x !== null && x !== "");
    case "FlowMapping":
    case "BlockMapping": {
      const map: { [key: string]: string } = {};
      for (const p of value.getChildren("Pair")) {
        const key = scalarNode(valueOf(p.getChild("Key")), read);
        const v = scalarNode(valueOf(p), read);
        if (key && v !== null) map[key] = v;
      }
      return map;
    }
    default:
      return scalarNode(value, read) ?? "";
  }
}

const VALUE_NODES = new Set(["Literal", "QuotedLiteral", "BlockLiteral", "FlowSequence", "BlockSequence", "FlowMapping", "BlockMapping"]);

/** The value a Pair, Key or Item holds (a tag or an anchor before it set aside); null when none. */
function valueOf(node: SyntaxNode | null): SyntaxNode | null {
  if (!node) return null;
  // A Pair's value follows its colon; its Key is a value node too.
  let last: SyntaxNode | null = null;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (node.name === "Pair" && c.name === "Key") continue;
    if (VALUE_NODES.has(c.name)) last = c;
    else if (c.name === "Tagged" || c.name === "Anchored") last = valueOf(c);
  }
  return last;
}

/** A scalar node's text; null for a list or a mapping. */
function scalarNode(node: SyntaxNode | null, read: (n: SyntaxNode) => string): string | null {
  if (!node) return null;
  if (node.name === "Literal") return read(node).replace(/\s*\n\s*/g, " ").trim(); // a plain scalar folds its lines
  if (node.name === "QuotedLiteral") return quoted(read(node));
  if (node.name === "BlockLiteral") {
    const header = read(node.getChild("BlockLiteralHeader") ?? node).trim();
    const content = node.getChild("BlockLiteralContent");
    return content ? blockScalar(header.startsWith(">"), read(content).split("\n")) : "";
  }
  return null;
}

/**
 * A quoted scalar's text. A closed one folds its line breaks as YAML
 * does; an unclosed one (being typed) runs to the end of its first line.
 */
function quoted(v: string): string {
  const q = v.charAt(0);
  let inner = "";
  let closed = false;
  for (let i = 1; i < v.length; i++) {
    const c = v.charAt(i);
    if (q === "'" && c === "'") {
      if (v.charAt(i + 1) === "'") inner += v.charAt(++i);
      else {
        closed = true;
        break;
      }
    } else if (q === '"' && c === "\\" && i + 1 < v.length) {
      const e = v.charAt(++i);
      inner += e === "n" ? "\n" : e === "t" ? "\t" : e;
    } else if (q === '"' && c === '"') {
      closed = true;
      break;
    } else inner += c;
  }
  if (!closed) return inner.split("\n")[0] ?? "";
  return inner.replace(/[ \t]*\n[ \t]*/g, " ");
}

function blockScalar(folded: boolean, body: readonly string[]): string {
  while (body.length > 0 && (body.at(-1) ?? "").trim() === "") body = body.slice(0, -1);
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
