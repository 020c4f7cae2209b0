// KQL for CodeMirror: a line-by-line tokenizer (a StreamLanguage, no
// grammar) that tells keywords, operators, strings in every KQL form
// ('…', "…", @"verbatim", h"obfuscated", ```multi-line``` and ~~~…~~~),
// numbers, timespans (1h, 5m, 1.5d), datetime(…)/timespan(…)/guid(…)
// literals, types, functions and comments apart for highlighting. The
// server's parser (internal/query/kql) is what decides whether a query is
// valid; this only colours it.

import { HighlightStyle, StreamLanguage, type StreamParser, type StringStream } from "@codemirror/language";
import { tags } from "@lezer/highlight";

/** Tabular operators and the keywords used inside them (by, on, kind, …). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "let",
  "set",
  "declare",
  "alias",
  "pattern",
  "restrict",
  "access",
  "query_parameters",
  "where",
  "filter",
  "extend",
  "summarize",
  "project",
  "join",
  "union",
  "lookup",
  "sort",
  "order",
  "top",
  "take",
  "limit",
  "distinct",
  "count",
  "parse",
  "mvexpand",
  "mvapply",
  "as",
  "sample",
  "serialize",
  "invoke",
  "render",
  "evaluate",
  "getschema",
  "search",
  "find",
  "fork",
  "facet",
  "range",
  "print",
  "datatable",
  "externaldata",
  "materialize",
  "by",
  "on",
  "kind",
  "with",
  "of",
  "asc",
  "desc",
  "nulls",
  "first",
  "last",
  "step",
  "from",
  "to",
  "inner",
  "outer",
  "innerunique",
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
  "withsource",
  "isfuzzy",
  "hint",
  "bagexpansion",
  "with_itemindex",
  "typeof",
]);

// Keywords that are also functions: count(), range(1, 10, 1), materialize(T).
const KEYWORD_FUNCTIONS: ReadonlySet<string> = new Set(["count", "range", "materialize"]);

/** Operators written with a hyphen: one keyword each. */
export const HYPHENATED: ReadonlySet<string> = new Set([
  "project-away",
  "project-keep",
  "project-rename",
  "project-reorder",
  "project-smart",
  "mv-expand",
  "mv-apply",
  "make-series",
  "parse-where",
  "parse-kv",
  "top-nested",
  "top-hitters",
  "sample-distinct",
  "assert-schema",
  "macro-expand",
  "make-graph",
  "graph-match",
]);

/** Operators written as words (`a has "x"`, `b in~ (…)`, `t between (1 .. 2)`). */
export const WORD_OPERATORS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "has",
  "has_cs",
  "hasprefix",
  "hasprefix_cs",
  "hassuffix",
  "hassuffix_cs",
  "has_any",
  "has_all",
  "contains",
  "contains_cs",
  "startswith",
  "startswith_cs",
  "endswith",
  "endswith_cs",
  "matches",
  "regex",
  "between",
  "like",
  "notlike",
  "likecs",
  "notlikecs",
]);

/** The scalar types (in casts, `datatable` schemas and function parameters). */
export const TYPES: ReadonlySet<string> = new Set([
  "bool",
  "boolean",
  "datetime",
  "date",
  "decimal",
  "double",
  "dynamic",
  "guid",
  "uniqueid",
  "int",
  "int32",
  "long",
  "int64",
  "real",
  "string",
  "timespan",
  "time",
]);

// Timespan suffixes, longest first where one is the start of another.
const TIMESPAN_UNIT =
  /^(?:days?|d|hours?|hrs?|hr|h|minutes?|min|ms|milliseconds?|millis?|microseconds?|micros?|m|seconds?|sec|s|ticks?|nanoseconds?|nanos?)(?![\w])/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/;
const IDENT = /^[A-Za-z_$][\w]*/;
const HYPHEN_WORD = /^[A-Za-z_][\w]*(?:-[A-Za-z_][\w]*)+/;
// Literals whose text between the parentheses is not made of tokens: datetime(2026-01-01 10:00), timespan(1.02:03:04), guid(…).
const RAW_LITERAL = /^(?:datetime|date|timespan|time|guid)\s*\(/;
const PUNCT_OPERATOR = /^(?:==|!=|<>|<=|>=|=~|!~|=>|\.\.|[<>=+\-*/%!~|])/;

/** What the tokenizer carries from one line to the next. */
export interface KqlState {
  /** Inside a ``` or ~~~ string: its closing fence. */
  fence: string | null;
  /** Inside datetime(…) and the like, which may span lines. */
  rawLiteral: boolean;
}

function readQuoted(stream: StringStream, quote: string, verbatim: boolean): void {
  for (;;) {
    const ch = stream.next();
    if (ch === undefined) return; // unterminated: KQL strings end with their line
    if (!verbatim && ch === "\\") {
      stream.next();
      continue;
    }
    if (ch === quote) {
      // In a verbatim string a doubled quote is the quote itself.
      if (verbatim && stream.peek() === quote) {
        stream.next();
        continue;
      }
      return;
    }
  }
}

function readFenced(stream: StringStream, state: KqlState): void {
  const fence = state.fence ?? "```";
  const at = stream.string.indexOf(fence, stream.pos);
  if (at < 0) {
    stream.skipToEnd();
    return;
  }
  stream.pos = at + fence.length;
  state.fence = null;
}

function readRawLiteral(stream: StringStream, state: KqlState): void {
  const at = stream.string.indexOf(")", stream.pos);
  if (at < 0) {
    stream.skipToEnd();
    return;
  }
  stream.pos = at + 1;
  state.rawLiteral = false;
}

/** The tokenizer: token names are @lezer/highlight tag names. */
export const kqlParser: StreamParser<KqlState> = {
  name: "kql",
  startState: () => ({ fence: null, rawLiteral: false }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    if (state.fence) {
      readFenced(stream, state);
      return "string";
    }
    if (state.rawLiteral) {
      readRawLiteral(stream, state);
      return "literal";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "lineComment";
    }
    const fence = stream.match(/^(?:```|~~~)/);
    if (fence) {
      state.fence = (fence as RegExpMatchArray)[0];
      readFenced(stream, state);
      return "string";
    }
    // Strings: '…', "…", @'…' (verbatim), h'…' / H"…" (obfuscated), h@'…'.
    const prefix = stream.match(/^(?:[hH]@?|@)?(?=["'])/) as RegExpMatchArray | null;
    if (prefix) {
      const quote = stream.next() ?? '"';
      readQuoted(stream, quote, prefix[0].includes("@"));
      return "string";
    }
    if (stream.match(NUMBER)) {
      if (stream.match(TIMESPAN_UNIT)) return "unit";
      return "number";
    }
    if (stream.match(RAW_LITERAL)) {
      state.rawLiteral = true;
      readRawLiteral(stream, state);
      return "literal";
    }
    const hyphenated = stream.match(HYPHEN_WORD, false) as RegExpMatchArray | null;
    if (hyphenated && HYPHENATED.has(hyphenated[0])) {
      stream.pos += hyphenated[0].length;
      return "keyword";
    }
    const word = stream.match(IDENT) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (w === "in") {
        // in, in~
        stream.eat("~");
        return "operatorKeyword";
      }
      if (WORD_OPERATORS.has(w)) return "operatorKeyword";
      if (w === "true" || w === "false") return "bool";
      if (w === "null") return "null";
      const call = stream.match(/^\s*\(/, false) !== null;
      if (call && TYPES.has(w)) return "typeName";
      if (call && (!KEYWORDS.has(w) || KEYWORD_FUNCTIONS.has(w))) return "variableName.function";
      if (KEYWORDS.has(w)) return "keyword";
      if (TYPES.has(w)) return "typeName";
      return "variableName";
    }
    // Negated word operators: !has, !contains, !in, !in~, !startswith, !between, …
    const negated = stream.match(/^![A-Za-z_]\w*/, false) as RegExpMatchArray | null;
    if (negated) {
      const w = negated[0].slice(1);
      if (w === "in" || WORD_OPERATORS.has(w)) {
        stream.pos += negated[0].length;
        if (w === "in") stream.eat("~");
        return "operatorKeyword";
      }
    }
    if (stream.match(PUNCT_OPERATOR)) return "operator";
    const ch = stream.next();
    if (ch === "(" || ch === ")") return "paren";
    if (ch === "[" || ch === "]") return "squareBracket";
    if (ch === "{" || ch === "}") return "brace";
    if (ch === "," || ch === ";") return "separator";
    if (ch === "." || ch === ":") return "punctuation";
    return null;
  },
  languageData: {
    commentTokens: { line: "//" },
    closeBrackets: { brackets: ["(", "[", "{", "'", '"'] },
  },
};

export const kqlLanguage = StreamLanguage.define(kqlParser);

/** Colours from the theme's variables (--cm-*), so that light and dark both hold. */
export const kqlHighlight = HighlightStyle.define([
  { tag: [tags.keyword], color: "var(--cm-keyword)", fontWeight: "600" },
  { tag: [tags.operatorKeyword, tags.operator], color: "var(--cm-keyword)" },
  { tag: [tags.string], color: "var(--cm-string)" },
  { tag: [tags.number, tags.unit, tags.bool, tags.null], color: "var(--cm-number)" },
  { tag: [tags.literal], color: "var(--cm-meta)" },
  { tag: [tags.typeName], color: "var(--cm-meta)" },
  { tag: [tags.function(tags.variableName)], color: "var(--cm-key)" },
  { tag: [tags.lineComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [tags.punctuation, tags.separator, tags.paren, tags.squareBracket, tags.brace], color: "var(--cm-punct)" },
]);
