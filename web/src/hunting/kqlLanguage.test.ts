import { StringStream } from "@codemirror/language";
import { describe, expect, it } from "vitest";
import { kqlParser, type KqlState } from "./kqlLanguage";

/** Every non-space token of `text` as [text, style], line by line, as CodeMirror would read it. */
function tokenize(text: string): Array<[string, string | null]> {
  const state = kqlParser.startState?.(2) as KqlState;
  const out: Array<[string, string | null]> = [];
  for (const line of text.split("\n")) {
    const stream = new StringStream(line, 4, 2);
    while (!stream.eol()) {
      const style = kqlParser.token(stream, state);
      const tok = stream.current();
      if (stream.pos === stream.start) throw new Error(`no progress at ${stream.pos} in ${JSON.stringify(line)}`);
      if (tok.trim() !== "") out.push([tok, style ?? null]);
      stream.start = stream.pos;
    }
  }
  return out;
}

const styleOf = (text: string, token: string) => tokenize(text).find(([t]) => t === token)?.[1];

describe("the KQL tokenizer", () => {
  it("reads the seed's example", () => {
    expect(tokenize('SecurityEvent | where severity == "high" and message contains "phish" | limit 50')).toEqual([
      ["SecurityEvent", "variableName"],
      ["|", "operator"],
      ["where", "keyword"],
      ["severity", "variableName"],
      ["==", "operator"],
      ['"high"', "string"],
      ["and", "operatorKeyword"],
      ["message", "variableName"],
      ["contains", "operatorKeyword"],
      ['"phish"', "string"],
      ["|", "operator"],
      ["limit", "keyword"],
      ["50", "number"],
    ]);
  });

  it("tells keywords, hyphenated operators and word operators apart", () => {
    const toks = tokenize("let x = 1; T | project-away A | mv-expand B | summarize count() by bin(TimeGenerated, 1h) | join kind=inner (U) on Id");
    const style = (t: string) => toks.find(([s]) => s === t)?.[1];
    expect(style("let")).toBe("keyword");
    expect(style("project-away")).toBe("keyword");
    expect(style("mv-expand")).toBe("keyword");
    expect(style("summarize")).toBe("keyword");
    expect(style("by")).toBe("keyword");
    expect(style("join")).toBe("keyword");
    expect(style("kind")).toBe("keyword");
    expect(style("inner")).toBe("keyword");
    expect(style("on")).toBe("keyword");
    // A subtraction is not an operator name.
    expect(tokenize("a-b")).toEqual([
      ["a", "variableName"],
      ["-", "operator"],
      ["b", "variableName"],
    ]);
  });

  it.each([
    ["has", "x has 'a'"],
    ["has_cs", "x has_cs 'a'"],
    ["!has", "x !has 'a'"],
    ["in~", "x in~ ('a', 'b')"],
    ["!in~", "x !in~ ('a')"],
    ["!in", "x !in ('a')"],
    ["in", "x in ('a')"],
    ["startswith", "x startswith 'a'"],
    ["!contains", "x !contains 'a'"],
    ["between", "t between (1 .. 2)"],
    ["or", "a or b"],
  ])("%s is an operator", (token, text) => {
    expect(styleOf(text, token)).toBe("operatorKeyword");
  });

  it.each(["=~", "!~", "==", "!=", "<=", ">=", "<>", ".."])("%s is an operator", (op) => {
    expect(styleOf(`a ${op} b`, op)).toBe("operator");
  });

  it.each([
    ["'single'", "'single'"],
    ['"double \\" escaped"', '"double \\" escaped"'],
    ['@"C:\\verbatim\\"', '@"C:\\verbatim\\"'],
    ["@'it''s'", "@'it''s'"],
    ['h"obfuscated"', 'h"obfuscated"'],
    ["H'obfuscated'", "H'obfuscated'"],
    ["h@'both'", "h@'both'"],
  ])("reads the string %s whole", (text, token) => {
    expect(tokenize(`print ${text}, 1`)).toEqual([
      ["print", "keyword"],
      [token, "string"],
      [",", "separator"],
      ["1", "number"],
    ]);
  });

  it("reads ``` and ~~~ strings over several lines", () => {
    const toks = tokenize("print ```line one\n  line | where two\nend``` , x\nprint ~~~a\nb~~~");
    expect(toks).toEqual([
      ["print", "keyword"],
      ["```line one", "string"],
      ["  line | where two", "string"],
      ["end```", "string"],
      [",", "separator"],
      ["x", "variableName"],
      ["print", "keyword"],
      ["~~~a", "string"],
      ["b~~~", "string"],
    ]);
  });

  it("ends an unterminated string with its line", () => {
    expect(tokenize("print 'open\nT")).toEqual([
      ["print", "keyword"],
      ["'open", "string"],
      ["T", "variableName"],
    ]);
  });

  it.each(["1h", "5m", "30s", "1.5d", "10ms", "2min", "3days", "100tick", "7microseconds", "1hr"])("%s is a timespan", (ts) => {
    expect(styleOf(`ago(${ts})`, ts)).toBe("unit");
  });

  it.each(["50", "1.5", "1e3", "0x1F", ".5"])("%s is a number", (n) => {
    expect(styleOf(`x > ${n}`, n)).toBe("number");
  });

  it("reads datetime(…), timespan(…) and guid(…) literals whole, even across a line", () => {
    expect(styleOf("where t > datetime(2026-01-01 10:00:00)", "datetime(2026-01-01 10:00:00)")).toBe("literal");
    expect(styleOf("print timespan(1.02:03:04)", "timespan(1.02:03:04)")).toBe("literal");
    expect(styleOf("print guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", "guid(74be27de-1e4e-49d9-b579-fe0b331d3642)")).toBe("literal");
    expect(tokenize("print datetime(2026-01-01\n10:00) , 1")).toEqual([
      ["print", "keyword"],
      ["datetime(2026-01-01", "literal"],
      ["10:00)", "literal"],
      [",", "separator"],
      ["1", "number"],
    ]);
    // datetime_diff is a function, not a literal.
    expect(styleOf("print datetime_diff('day', a, b)", "datetime_diff")).toBe("variableName.function");
  });

  it("colours functions, types, booleans, null and comments", () => {
    const toks = tokenize("T | extend n = tostring(x), b = true, z = null, d = dynamic({\"a\": 1}) // note\n| count");
    const style = (t: string) => toks.find(([s]) => s === t)?.[1];
    expect(style("tostring")).toBe("variableName.function");
    expect(style("true")).toBe("bool");
    expect(style("null")).toBe("null");
    expect(style("dynamic")).toBe("typeName");
    expect(style("// note")).toBe("lineComment");
    expect(style("count")).toBe("keyword");
    expect(styleOf("summarize count() by x", "count")).toBe("variableName.function");
    expect(styleOf("datatable(a:string) ['x']", "string")).toBe("typeName");
  });

  it("reads bracketed names and punctuation", () => {
    expect(tokenize("T | project ['Odd name'], x.y[0]")).toEqual([
      ["T", "variableName"],
      ["|", "operator"],
      ["project", "keyword"],
      ["[", "squareBracket"],
      ["'Odd name'", "string"],
      ["]", "squareBracket"],
      [",", "separator"],
      ["x", "variableName"],
      [".", "punctuation"],
      ["y", "variableName"],
      ["[", "squareBracket"],
      ["0", "number"],
      ["]", "squareBracket"],
    ]);
  });

  it("always makes progress, whatever the input", () => {
    const junk = "§ ¤ 😀 \\ ` ^ # ? ' \" @ h @\" ``` ~~~ datetime( ! !x 1e 0x .";
    expect(() => tokenize(junk)).not.toThrow();
    expect(tokenize(junk).map(([t]) => t).join("").replace(/\s/g, "")).toBe(junk.replace(/\s/g, ""));
  });
});
