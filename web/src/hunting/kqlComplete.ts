// Completion for the KQL editor, fed by GET /api/v1/search/kql/schema.
// Where the cursor is decides what is offered: tables where a query (or a
// sub-query in join/union/lookup/materialize) starts, tabular operators
// right after `|`, and inside an operator the columns of the table the
// pipeline reads (plus the names `extend`/`summarize`/`project` made
// before), functions, aggregates in summarize, and word operators.

import type { Completion, CompletionContext, CompletionResult, CompletionSource } from "@codemirror/autocomplete";
import type { EditorView } from "@codemirror/view";
import type { KqlSchema, KqlTable } from "../api/hunting";
import { HYPHENATED } from "./kqlLanguage";

/** What may be typed at a position. */
export type KqlContext =
  | { kind: "none" }
  /** Where a query or sub-query starts: a table (or a let-bound name). */
  | { kind: "source"; lets: string[] }
  /** Right after `|`: a tabular operator. */
  | { kind: "operator"; lets: string[] }
  /** Inside an operator: columns of `table`, functions, …; `tables` when a table may be named here too (join, union, lookup). */
  | { kind: "expression"; table: string | null; operator: string | null; defined: string[]; lets: string[]; tables: boolean };

// After these a parenthesis holds a tabular expression, not arguments.
const SUBQUERY_BEFORE: ReadonlySet<string> = new Set([
  "join",
  "union",
  "lookup",
  "materialize",
  "toscalar",
  "fork",
  "facet",
  "inner",
  "innerunique",
  "outer",
  "leftouter",
  "rightouter",
  "fullouter",
  "leftanti",
  "rightanti",
  "leftsemi",
  "rightsemi",
  "leftantisemi",
  "rightantisemi",
  "anti",
  "semi",
]);

// Operators whose arguments may name other tables.
const TABLE_OPERATORS: ReadonlySet<string> = new Set(["join", "union", "lookup"]);

// Operators whose expressions take aggregates.
const AGGREGATING: ReadonlySet<string> = new Set(["summarize", "make-series", "top-nested", "evaluate", "mv-apply"]);

// Operators in which `name = expr` makes a column.
const DEFINING: ReadonlySet<string> = new Set(["extend", "summarize", "project", "project-rename", "make-series", "parse", "parse-where", "mv-expand", "top-nested", "lookup", "join"]);

interface Frame {
  /** A pipeline (a query or sub-query) or brackets inside an expression. */
  pipeline: boolean;
  /** Nothing read yet in this pipeline: a source comes next. */
  expectSource: boolean;
  /** `|` was the last token. */
  afterPipe: boolean;
  table: string | null;
  operator: string | null;
  /** `on` was read in the current join/lookup: its tables are named. */
  sawOn: boolean;
  defined: string[];
}

const exprFrame = (): Frame => ({ ...pipelineFrame(), pipeline: false, expectSource: false });

const pipelineFrame = (): Frame => ({ pipeline: true, expectSource: true, afterPipe: false, table: null, operator: null, sawOn: false, defined: [] });

interface Token {
  text: string;
  ident: boolean;
}

/**
 * Replaces comments and the insides of string literals by spaces (so
 * that their characters mean nothing), and says whether `text` ends
 * inside one of them.
 */
export function maskLiterals(text: string): { masked: string; open: boolean } {
  let out = "";
  let i = 0;
  let open = false;
  const n = text.length;
  while (i < n) {
    const ch = text.charAt(i);
    if (ch === "/" && text.charAt(i + 1) === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      out += " ".repeat(stop - i);
      if (end < 0) open = true;
      i = stop;
      continue;
    }
    if (text.startsWith("```", i) || text.startsWith("~~~", i)) {
      const fence = text.slice(i, i + 3);
      const end = text.indexOf(fence, i + 3);
      const stop = end < 0 ? n : end + 3;
      out += `"${" ".repeat(Math.max(0, stop - i - 2))}${end < 0 ? " " : '"'}`;
      if (end < 0) open = true;
      i = stop;
      continue;
    }
    const m = /^(?:[hH]@?|@)?(["'])/.exec(text.slice(i, i + 3));
    // A prefix letter only starts a string when it is not the end of a longer name.
    if (m && !(m[0].length > 1 && /[\w]/.test(text.charAt(i - 1)))) {
      const quote = m[1] ?? '"';
      const verbatim = m[0].includes("@");
      let j = i + m[0].length;
      let closed = false;
      while (j < n) {
        const c = text.charAt(j);
        if (c === "\n") break;
        if (!verbatim && c === "\\") {
          j += 2;
          continue;
        }
        if (c === quote) {
          if (verbatim && text.charAt(j + 1) === quote) {
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        j++;
      }
      j = Math.min(j, n);
      out += `"${" ".repeat(Math.max(0, j - i - 2))}${closed ? '"' : j - i >= 2 ? " " : ""}`;
      if (!closed && j >= n) open = true;
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return { masked: out.slice(0, n), open };
}

function tokens(masked: string): Token[] {
  const out: Token[] = [];
  const re = /([A-Za-z_$][\w]*(?:-[A-Za-z_][\w]*)*)|(==|!=|=~|!~|<=|>=|=>|\.\.|\S)/g;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const word = m[1];
    if (word !== undefined) {
      // Only the known hyphenated operators are one word; `a-b` is a subtraction.
      if (word.includes("-") && !HYPHENATED.has(word)) {
        const first = word.slice(0, word.indexOf("-"));
        out.push({ text: first, ident: true });
        re.lastIndex = m.index + first.length;
        continue;
      }
      out.push({ text: word, ident: true });
    } else {
      out.push({ text: m[2] ?? "", ident: false });
    }
  }
  return out;
}

/** What may be typed at the end of `before` (the text up to the cursor, without the word being typed). */
export function contextAt(before: string): KqlContext {
  const { masked, open } = maskLiterals(before);
  if (open) return { kind: "none" };
  const lets: string[] = [];
  let stack: Frame[] = [pipelineFrame()];
  let letName = false; // after `let`: the next name is being defined
  let letEquals = false; // after `let name`: `=` comes next
  const toks = tokens(masked);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const prev = toks[i - 1];
    const top = stack[stack.length - 1] as Frame;
    if (t.text === ";") {
      stack = [pipelineFrame()];
      letName = letEquals = false;
      continue;
    }
    if (letName) {
      if (t.ident) {
        lets.push(t.text);
        letName = false;
        letEquals = true;
      }
      continue;
    }
    if (letEquals) {
      // `let f = (a:string) { … }` and `let x = expr`: a new source starts after `=`.
      if (t.text === "=") letEquals = false;
      continue;
    }
    if (t.ident) {
      if (top.pipeline && top.expectSource) {
        if (t.text === "let") {
          letName = true;
          continue;
        }
        top.expectSource = false;
        top.table = t.text;
        continue;
      }
      if (top.pipeline && top.afterPipe) {
        top.afterPipe = false;
        top.operator = t.text;
        top.sawOn = false;
        continue;
      }
      const op = operatorOf(stack);
      if (op && t.text === "on") markOn(stack);
      // `name = …` (but not `name == …`) defines a column in extend, summarize, project, …
      const next = toks[i + 1];
      if (op && DEFINING.has(op) && next?.text === "=" && prev?.text !== ".") {
        const pipe = pipelineOf(stack);
        if (pipe && !pipe.defined.includes(t.text)) pipe.defined.push(t.text);
      }
      continue;
    }
    switch (t.text) {
      case "|":
        if (top.pipeline) {
          top.afterPipe = true;
          top.operator = null;
        }
        break;
      case "(": {
        const word = prev?.ident ? prev.text : null;
        const op = operatorOf(stack);
        const opensQuery =
          (word !== null && SUBQUERY_BEFORE.has(word)) ||
          (word === null && (top.expectSource || (op !== null && TABLE_OPERATORS.has(op) && !(stack[stack.length - 1] as Frame).sawOn)));
        // A parenthesised source (`(T | where …) | …`, `let t = (…)`) is this pipeline's source.
        if (top.pipeline && top.expectSource) top.expectSource = false;
        stack.push(opensQuery ? pipelineFrame() : exprFrame());
        break;
      }
      case "[":
        stack.push(exprFrame());
        break;
      case "{":
        // The body of a let function (`let f = (a:string) { T | … }`) is a query.
        stack.push(prev?.text === ")" ? pipelineFrame() : exprFrame());
        break;
      case ")":
      case "]":
      case "}": {
        if (stack.length === 1) break;
        const done = stack.pop() as Frame;
        const parent = stack[stack.length - 1] as Frame;
        if (done.pipeline && parent.pipeline && parent.table === null && parent.operator === null) parent.table = done.table;
        break;
      }
      default:
        if (top.pipeline && top.expectSource) top.expectSource = false;
    }
  }
  if (letName || letEquals) return { kind: "none" };
  const top = stack[stack.length - 1] as Frame;
  if (top.pipeline && top.expectSource) return { kind: "source", lets };
  if (top.pipeline && top.afterPipe) return { kind: "operator", lets };
  const pipe = pipelineOf(stack);
  const operator = operatorOf(stack);
  const tables = top.pipeline && operator !== null && TABLE_OPERATORS.has(operator) && !top.sawOn;
  return { kind: "expression", table: tableOf(stack), operator, defined: pipe?.defined ?? [], lets, tables };
}

function pipelineOf(stack: Frame[]): Frame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]?.pipeline) return stack[i];
  return undefined;
}

function operatorOf(stack: Frame[]): string | null {
  return pipelineOf(stack)?.operator ?? null;
}

function tableOf(stack: Frame[]): string | null {
  // The innermost pipeline that names a source; expressions in brackets belong to theirs.
  for (let i = stack.length - 1; i >= 0; i--) {
    const f = stack[i];
    if (f?.pipeline) return f.table;
  }
  return null;
}

function markOn(stack: Frame[]) {
  const pipe = pipelineOf(stack);
  if (pipe) pipe.sawOn = true;
}

/** A name as KQL reads it: bare when it is an identifier, ['in brackets'] otherwise. */
export function quoteName(name: string): string {
  return /^[A-Za-z_][\w]*$/.test(name) ? name : `['${name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
}

const WORD_OPERATOR_OPTIONS = ["and", "or", "has", "!has", "has_any", "has_all", "contains", "!contains", "startswith", "endswith", "in", "!in", "in~", "between", "matches regex"];

function functionApply(name: string) {
  return (view: EditorView, _c: Completion, from: number, to: number) => {
    const insert = `${name}()`;
    view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + name.length + 1 }, userEvent: "input.complete" });
  };
}

function tableOption(t: KqlTable): Completion {
  const info = t.doc ? `${t.doc} · ${t.columns.length} columns` : `${t.columns.length} columns`;
  return { label: t.name, apply: quoteName(t.name), type: "class", detail: "table", info, boost: 2 };
}

/** The options for `cx` from the schema (lists shared by every call are built once per schema). */
export function optionsFor(cx: KqlContext, schema: KqlSchema): Completion[] {
  const letOptions = (lets: string[]): Completion[] => lets.map((l) => ({ label: l, type: "variable", detail: "let", boost: 3 }));
  switch (cx.kind) {
    case "none":
      return [];
    case "source":
      return [
        ...schema.tables.map(tableOption),
        ...letOptions(cx.lets),
        ...["let", "print", "datatable", "union", "range", "search", "find"].map((k) => ({ label: k, type: "keyword" })),
      ];
    case "operator":
      return schema.operators.map((o) => ({ label: o, type: "keyword", detail: "operator" }));
    case "expression": {
      const table = cx.table ? schema.tables.find((t) => t.name === cx.table) : undefined;
      const options: Completion[] = [];
      const seen = new Set<string>();
      for (const c of table?.columns ?? []) {
        seen.add(c.name);
        const opt: Completion = { label: c.name, apply: quoteName(c.name), type: "property", detail: c.type, boost: 4 };
        if (c.doc) opt.info = c.doc;
        options.push(opt);
      }
      for (const d of cx.defined) if (!seen.has(d)) options.push({ label: d, type: "property", detail: "column", boost: 4 });
      options.push(...letOptions(cx.lets));
      if (cx.tables) options.push(...schema.tables.map(tableOption));
      const aggregating = cx.operator !== null && AGGREGATING.has(cx.operator);
      for (const a of schema.aggregates) options.push({ label: a, apply: functionApply(a), type: "function", detail: "aggregate", boost: aggregating ? 3 : -2 });
      const aggregates = new Set(schema.aggregates);
      for (const f of schema.functions) if (!aggregates.has(f)) options.push({ label: f, apply: functionApply(f), type: "function", detail: "function" });
      for (const w of WORD_OPERATOR_OPTIONS) options.push({ label: w, type: "keyword", detail: "operator", boost: -1 });
      if (cx.operator === "summarize" || cx.operator === "make-series" || cx.operator === "top") options.push({ label: "by", type: "keyword", boost: 1 });
      if (cx.operator === "sort" || cx.operator === "order" || cx.operator === "top") options.push({ label: "asc", type: "keyword" }, { label: "desc", type: "keyword" });
      if (cx.operator === "join" || cx.operator === "lookup") options.push({ label: "on", type: "keyword", boost: 1 }, { label: "kind", type: "keyword" });
      return options;
    }
  }
}

/**
 * The completion source. `getSchema` is read at every call, so the editor
 * is made once and completes with whatever schema has arrived by then.
 */
export function kqlCompletionSource(getSchema: () => KqlSchema | undefined): CompletionSource {
  return (context: CompletionContext): CompletionResult | null => {
    const schema = getSchema();
    if (!schema) return null;
    const word = context.matchBefore(/[\w$-]*/);
    const from = word ? word.from : context.pos;
    const typed = word ? word.text : "";
    // A leading "-" is a minus sign, not part of a name.
    if (typed.startsWith("-")) return null;
    const before = context.state.doc.sliceString(0, from);
    const cx = contextAt(before);
    if (cx.kind === "none") return null;
    // Unasked, offer something only once a word is begun, or where a table or an operator is due.
    if (!context.explicit && typed === "" && cx.kind === "expression") return null;
    if (!context.explicit && typed === "" && !/[|(;]\s*$|^\s*$/.test(before)) return null;
    const options = optionsFor(cx, schema);
    if (options.length === 0) return null;
    return { from, options, validFor: /^[\w$-]*$/ };
  };
}
