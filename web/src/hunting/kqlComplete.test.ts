import { CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "../test/hunting";
import { contextAt, kqlCompletionSource, maskLiterals, quoteName } from "./kqlComplete";


/** Completes at the "¦" in `text` (explicitly, as Ctrl+Space does, unless `typing`). */
function complete(text: string, typing = false): CompletionResult | null {
  const pos = text.indexOf("¦");
  const doc = text.replace("¦", "");
  const state = EditorState.create({ doc });
  const source = kqlCompletionSource(() => SCHEMA);
  return source(new CompletionContext(state, pos, !typing)) as CompletionResult | null;
}

const labels = (r: CompletionResult | null) => (r ? r.options.map((o) => o.label) : []);

describe("contextAt", () => {
  it("expects a table where a query starts", () => {
    expect(contextAt("")).toEqual({ kind: "source", lets: [] });
    expect(contextAt("let x = 5;\n")).toEqual({ kind: "source", lets: ["x"] });
    expect(contextAt("let recent = ")).toEqual({ kind: "source", lets: ["recent"] });
    expect(contextAt("SecurityEvent | join kind=inner (")).toMatchObject({ kind: "source" });
    expect(contextAt("union (")).toMatchObject({ kind: "source" });
    expect(contextAt("let t = materialize(")).toMatchObject({ kind: "source", lets: ["t"] });
  });

  it("expects an operator after |", () => {
    expect(contextAt("SecurityEvent | ")).toEqual({ kind: "operator", lets: [] });
    expect(contextAt("SecurityEvent\n| where x > 1\n| ")).toMatchObject({ kind: "operator" });
    expect(contextAt("T | join (Syslog | ")).toMatchObject({ kind: "operator" });
  });

  it("inside an operator, knows the table the pipeline reads", () => {
    expect(contextAt("SecurityEvent | where ")).toMatchObject({ kind: "expression", table: "SecurityEvent", operator: "where", tables: false });
    expect(contextAt("SecurityEvent | where tostring(")).toMatchObject({ kind: "expression", table: "SecurityEvent" });
    expect(contextAt("SecurityEvent | where x in (")).toMatchObject({ kind: "expression", table: "SecurityEvent" });
    expect(contextAt("SecurityEvent | where (a or ")).toMatchObject({ kind: "expression", table: "SecurityEvent" });
    expect(contextAt("SecurityEvent | join kind=inner (Syslog | where ")).toMatchObject({ kind: "expression", table: "Syslog" });
    expect(contextAt("SecurityEvent | join kind=inner (Syslog | where x) on ")).toMatchObject({ kind: "expression", table: "SecurityEvent", operator: "join", tables: false });
    expect(contextAt("SecurityEvent | join kind=inner ")).toMatchObject({ kind: "expression", operator: "join", tables: true });
    expect(contextAt("(Syslog | where a) | project ")).toMatchObject({ kind: "expression", table: "Syslog", operator: "project" });
    expect(contextAt("let x = 1;\nSyslog | summarize ")).toMatchObject({ kind: "expression", table: "Syslog", operator: "summarize", lets: ["x"] });
  });

  it("collects the columns extend, summarize and project make", () => {
    const cx = contextAt("SecurityEvent | extend Host = tolower(Computer), Hour = bin(TimeGenerated, 1h) | where Host == 'a' and x == 1 | summarize N = count() by Host | where ");
    expect(cx).toMatchObject({ kind: "expression", defined: ["Host", "Hour", "N"] });
  });

  it("offers nothing inside a string or a comment", () => {
    expect(contextAt('SecurityEvent | where message contains "ph')).toEqual({ kind: "none" });
    expect(contextAt("SecurityEvent // a note ")).toEqual({ kind: "none" });
    expect(contextAt("print ```multi\nline ")).toEqual({ kind: "none" });
    expect(contextAt('SecurityEvent | where message contains "ph" and ')).toMatchObject({ kind: "expression" });
    expect(contextAt("SecurityEvent | where message has @'C:\\x' and ")).toMatchObject({ kind: "expression" });
    // Strings do not confuse the pipeline: a | or ( inside one counts for nothing.
    expect(contextAt("SecurityEvent | where message == 'a | (b' | ")).toMatchObject({ kind: "operator" });
  });

  it("masks literals without moving anything", () => {
    const text = "T | where a == 'x | y' // c (\n| b";
    const { masked, open } = maskLiterals(text);
    expect(masked).toHaveLength(text.length);
    expect(open).toBe(false);
    expect(masked.indexOf("\n")).toBe(text.indexOf("\n"));
    expect(masked).not.toContain("x | y");
    expect(masked).not.toContain("(");
  });
});

describe("kqlCompletionSource", () => {
  it("offers tables where a query starts", () => {
    const r = complete("Sec¦");
    expect(r?.from).toBe(0);
    expect(labels(r)).toEqual(expect.arrayContaining(["SecurityEvent", "Syslog", "let"]));
    expect(labels(r)).not.toContain("where");
    expect(r?.options.find((o) => o.label === "SecurityEvent")).toMatchObject({ detail: "table", info: "Windows security events · 6 columns" });
  });

  it("offers operators after |, hyphenated ones included", () => {
    const r = complete("SecurityEvent | pro¦");
    expect(r?.from).toBe("SecurityEvent | ".length);
    expect(labels(r)).toEqual(SCHEMA.operators);
    expect(labels(complete("SecurityEvent | project-a¦"))).toContain("project-away");
  });

  it("offers the table's columns with their types, then functions and aggregates", () => {
    const r = complete("SecurityEvent | where Com¦");
    const names = labels(r);
    expect(names).toEqual(expect.arrayContaining(["TimeGenerated", "Computer", "EventID", "ago", "tostring"]));
    expect(names).not.toContain("HostName");
    expect(names).not.toContain("SecurityEvent");
    expect(r?.options.find((o) => o.label === "EventID")).toMatchObject({ detail: "long", type: "property" });
    expect(r?.options.find((o) => o.label === "TimeGenerated")).toMatchObject({ detail: "datetime", info: "when it happened" });
    const syslog = labels(complete("Syslog | where ¦"));
    expect(syslog).toContain("SyslogMessage");
    expect(syslog).not.toContain("EventID");
    // "count" is an aggregate and a function: offered once.
    expect(labels(complete("SecurityEvent | summarize ¦")).filter((l) => l === "count")).toHaveLength(1);
  });

  it("ranks aggregates up in summarize and down elsewhere", () => {
    const boost = (text: string) => complete(text)?.options.find((o) => o.label === "dcount")?.boost;
    expect(boost("SecurityEvent | summarize ¦")).toBeGreaterThan(0);
    expect(boost("SecurityEvent | where ¦")).toBeLessThan(0);
  });

  it("offers other tables inside join, union and lookup until `on`", () => {
    expect(labels(complete("SecurityEvent | join kind=inner Sys¦"))).toContain("Syslog");
    expect(labels(complete("SecurityEvent | join kind=inner Syslog on Comp¦"))).not.toContain("Syslog");
  });

  it("offers the series functions, parse_xml, mv-apply and top-nested the server lists", () => {
    expect(labels(complete("SecurityEvent | mv¦"))).toContain("mv-apply");
    expect(labels(complete("SecurityEvent | top-n¦"))).toContain("top-nested");
    const afterSeries = labels(complete("SecurityEvent | make-series n = count() on TimeGenerated step 1h | extend a = series_d¦"));
    expect(afterSeries).toEqual(expect.arrayContaining(["series_decompose_anomalies", "series_fit_line", "parse_xml"]));
  });

    it("offers columns made earlier in the pipeline", () => {
    expect(labels(complete("SecurityEvent | extend Host = tolower(Computer) | where Ho¦"))).toContain("Host");
  });

  it("while typing, opens itself only where something is due", () => {
    expect(labels(complete("SecurityEvent | ¦", true))).toEqual(SCHEMA.operators);
    expect(complete("SecurityEvent | where ¦", true)).toBeNull();
    expect(labels(complete("SecurityEvent | where Ev¦", true))).toContain("EventID");
    expect(complete('SecurityEvent | where message == "Ev¦', true)).toBeNull();
    expect(complete("SecurityEvent | where x -¦", true)).toBeNull();
  });

  it("inserts functions with their parentheses and odd names in brackets", () => {
    const state = EditorState.create({ doc: "SecurityEvent | where tost" });
    const r = kqlCompletionSource(() => SCHEMA)(new CompletionContext(state, state.doc.length, true)) as CompletionResult;
    expect(typeof r.options.find((o) => o.label === "tostring")?.apply).toBe("function");
    expect(quoteName("Computer")).toBe("Computer");
    expect(quoteName("Odd name")).toBe("['Odd name']");
    expect(quoteName("it's")).toBe("['it\\'s']");
  });

  it("offers nothing before the schema has arrived", () => {
    const state = EditorState.create({ doc: "Sec" });
    expect(kqlCompletionSource(() => undefined)(new CompletionContext(state, 3, true))).toBeNull();
  });
});
