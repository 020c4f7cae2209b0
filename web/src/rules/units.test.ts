import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { formatEvalTime } from "../api/detection";
import { problemRange } from "./CodeEditor";
import { facetLabel, facetValues, readRuleFilters, resolveTechnique, ruleQuery, writeRuleFilters } from "./ruleFilters";
import { MAX_SAMPLES, parseSamples } from "./samples";
import { attackOf, readDraft, readSigmaTop } from "./draft";
import { backtestRange } from "./TestPanel";
import { newRuleId } from "./templates";

describe("parseSamples", () => {
  it("takes one JSON object or raw line per line, skipping blank lines", () => {
    expect(parseSamples('{"a":1}\n\n  <38>Nov 23 sshd: Failed password  \n{"b":{"c":"d"}}\n')).toEqual({
      ok: true,
      events: [{ a: 1 }, "<38>Nov 23 sshd: Failed password", { b: { c: "d" } }],
    });
  });

  it("takes a JSON array of objects and strings", () => {
    expect(parseSamples(' [{"a":1}, "raw line"] ')).toEqual({ ok: true, events: [{ a: 1 }, "raw line"] });
  });

  it("says what is wrong, with the line", () => {
    expect(parseSamples("")).toMatchObject({ ok: false, error: expect.stringMatching(/Paste at least one event/) });
    expect(parseSamples("ok line\n{broken")).toMatchObject({ ok: false, error: expect.stringMatching(/^Line 2 starts like a JSON object/) });
    expect(parseSamples("[1, 2]")).toMatchObject({ ok: false, error: "Item 1 of the array is neither an object nor a string." });
    expect(parseSamples("[")).toMatchObject({ ok: false, error: expect.stringMatching(/does not parse/) });
    expect(parseSamples("[]")).toMatchObject({ ok: false });
    expect(parseSamples(Array.from({ length: MAX_SAMPLES + 1 }, (_, i) => `line ${i}`).join("\n"))).toMatchObject({ ok: false, error: expect.stringMatching(/at most/) });
  });
});

describe("rule filters in the URL", () => {
  it("round-trips and drops what is not a filter", () => {
    const state = readRuleFilters(new URLSearchParams("q=ps&level=high&enabled=maybe&technique=t1059&page=3&other=1"));
    expect(state).toEqual({ q: "ps", filters: { level: "high" }, technique: "T1059", notRunnable: false, sort: "title", page: 3 });
    expect(writeRuleFilters(state).toString()).toBe("q=ps&level=high&technique=T1059&page=3");
    expect(ruleQuery(state)).toMatchObject({ q: "ps", level: "high", technique: "T1059", limit: 50, offset: 100 });
    expect(readRuleFilters(new URLSearchParams("page=-2")).page).toBe(1);
    // A known order round-trips; an unknown one reads as the default.
    expect(writeRuleFilters(readRuleFilters(new URLSearchParams("sort=eval_time"))).toString()).toBe("sort=eval_time");
    expect(readRuleFilters(new URLSearchParams("sort=noise")).sort).toBe("title");
  });

  it("orders facet values and keeps a chosen value the facets lack", () => {
    expect(facetValues("level", { high: 2, low: 9, critical: 1 }, undefined).map((v) => v.value)).toEqual(["low", "high", "critical"]);
    expect(facetValues("product", { linux: 1, windows: 5, aws: 1 }, "macos").map((v) => v.value)).toEqual(["macos", "windows", "aws", "linux"]);
    expect(facetLabel("tactic", "credential-access")).toBe("Credential access");
    expect(facetLabel("enabled", "false")).toBe("Disabled");
  });
});

describe("problemRange", () => {
  const doc = EditorState.create({ doc: "title: x\n  sel|contain: 1\n" }).doc;
  it("marks the word at a 1-based line and column", () => {
    expect(problemRange(doc, 2, 3)).toEqual({ from: 11, to: 23 });
  });
  it("clamps positions outside the text and marks the line when the column is unknown", () => {
    expect(problemRange(doc, 99, 1)).toEqual({ from: doc.length, to: doc.length });
    expect(problemRange(doc, 1, 0)).toEqual({ from: 0, to: 8 });
    expect(problemRange(doc, 1, 500)).toEqual({ from: 8, to: 8 });
  });
});

describe("problemRange at the server's YAML error positions", () => {
  // The positions internal/detect/sigma reports (yamlpos_test.go): the
  // marker lands on the offending token, not on the line above.
  const text = (src: string) => EditorState.create({ doc: src }).doc;
  it("marks the tab that indents a key", () => {
    const doc = text("title: x\nid: a\ndetection:\n\tsel:\n");
    const { from, to } = problemRange(doc, 4, 1);
    expect(doc.sliceString(from, to)).toBe("\t");
  });
  it("marks the unclosed quote and the dedented key", () => {
    const quote = text("title: 'x\nid: a\n");
    const q = problemRange(quote, 1, 8);
    expect(quote.sliceString(q.from, q.to)).toBe("'x");
    const indent = text("logsource:\n    product: windows\n  category: ps\n");
    const k = problemRange(indent, 3, 3);
    expect(indent.sliceString(k.from, k.to)).toBe("category:");
  });
});

describe("problemRange at the server's JSON error positions", () => {
  // The positions internal/detect/jsonrule reports: the offending value in
  // the text as sent, often one line with no blanks to stop at.
  const src = '{"name":"Bad","severity":"hgh","conditions":[{"field":"a\\"b","operator":"equalz","value":5,"aggregation":{"window":5,"threshold":2,"group_by":[7]}}]}';
  const doc = EditorState.create({ doc: src }).doc;
  const mark = (value: string) => {
    const { from, to } = problemRange(doc, 1, src.indexOf(value) + 1, "json");
    return doc.sliceString(from, to);
  };
  it("marks the string value, escapes and all, not the rest of the line", () => {
    expect(mark('"hgh"')).toBe('"hgh"');
    expect(mark('"equalz"')).toBe('"equalz"');
    expect(mark('"a\\"b"')).toBe('"a\\"b"');
  });
  it("marks a number up to its separator", () => {
    expect(mark("7]")).toBe("7");
    expect(mark("5,")).toBe("5");
  });
  it("marks words in YAML as before", () => {
    const yaml = EditorState.create({ doc: "level: hgh,x\n" }).doc;
    const { from, to } = problemRange(yaml, 1, 8);
    expect(yaml.sliceString(from, to)).toBe("hgh,x");
  });
});

describe("formatEvalTime", () => {
  it("shows sampled times under a microsecond in nanoseconds, the others in microseconds, and nothing before a sample", () => {
    expect(formatEvalTime({ eval_ns_per_event: 410, eval_samples: 96 })).toBe("410 ns");
    expect(formatEvalTime({ eval_ns_per_event: 999.4, eval_samples: 96 })).toBe("999 ns");
    expect(formatEvalTime({ eval_ns_per_event: 1000, eval_samples: 96 })).toBe("1.00 µs");
    expect(formatEvalTime({ eval_ns_per_event: 12_345, eval_samples: 3 })).toBe("12.3 µs");
    expect(formatEvalTime({ eval_ns_per_event: 1_234_567, eval_samples: 3 })).toBe("1,235 µs");
    expect(formatEvalTime({ eval_ns_per_event: 3, eval_samples: 3 })).toBe("3 ns");
    expect(formatEvalTime({ eval_ns_per_event: 0.25, eval_samples: 3 })).toBe("<1 ns");
    // No sampled event the rule applied to: no figure, rather than "0 ns".
    expect(formatEvalTime({ eval_ns_per_event: 0, eval_samples: 3 })).toBe("");
    expect(formatEvalTime({ eval_ns_per_event: 0, eval_samples: 0 })).toBe("");
  });
});

describe("templates and ranges", () => {
  it("makes version 4 UUIDs", () => {
    const a = newRuleId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newRuleId()).not.toBe(a);
  });

  it("ends a preset backtest now", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect(backtestRange({ kind: "preset", preset: "1h" }, now)).toEqual({ from: "2026-11-23T09:00:00.000Z", to: "2026-11-23T10:00:00.000Z" });
    expect(backtestRange({ kind: "absolute", from: "a", to: "b" }, now)).toEqual({ from: "a", to: "b" });
  });
});

describe("readDraft: a rule's facts from text the server refuses", () => {
  it("reads Sigma's top-level scalars, block scalars, lists and the logsource", () => {
    const top = readSigmaTop(
      [
        "title: \"Say \\\"hi\\\"\" # greeting",
        "status: experimental # new",
        "description: |",
        "  line one",
        "",
        "  line two",
        "author: 'O''Brien'",
        "tags:",
        "  - attack.execution",
        "  - 'attack.t1059.001'",
        "logsource:",
        "  product: windows",
        "  service: security",
        "detection:",
        "  sel:",
        "    CommandLine|contians: x",
        "  condition: sel",
        "falsepositives: [Admins, 'Backup jobs']",
        "level: HIGH",
        "---",
        "title: second document",
      ].join("\n"),
    );
    expect(top).toMatchObject({
      title: 'Say "hi"',
      status: "experimental",
      description: "line one\n\nline two",
      author: "O'Brien",
      tags: ["attack.execution", "attack.t1059.001"],
      logsource: { product: "windows", service: "security" },
      falsepositives: ["Admins", "Backup jobs"],
      level: "HIGH",
    });
  });

  it.each([
    ["a flow mapping", "logsource: {product: windows, category: process_creation}", { product: "windows", category: "process_creation" }],
    ["a flow mapping over lines, quoted, with a comment", "logsource: { product: 'windows',\n   service: \"security\" } # the Security log", { product: "windows", service: "security" }],
    ["a block mapping", "logsource:\n  product: linux\n  # a comment\n  category: process_creation", { product: "linux", category: "process_creation" }],
    ["a tagged flow mapping", "logsource: !!map {product: aws}", { product: "aws" }],
  ])("reads the logsource written as %s", (_, text, logsource) => {
    const d = readDraft("sigma", `title: t\n${text}\ndetection:\n  sel: {Image|endswith: '\\cmd.exe'}\n  condition: sel and nosuch\nlevel: high\n`);
    expect(d?.logsource).toEqual({ category: "", service: "", ...logsource });
    expect(d).toMatchObject({ title: "t", level: "high" });
  });

  it("reads flow and block lists, folded scalars and quoted lines", () => {
    expect(readSigmaTop("tags: [attack.execution, 'attack.t1059', \"attack.g0016\"]\nreferences:\n- https://a.example\n-   https://b.example  # second\ndescription: >\n  one\n  two\n\n  three\nauthor: \"a\n  b\"\n")).toEqual({
      tags: ["attack.execution", "attack.t1059", "attack.g0016"],
      references: ["https://a.example", "https://b.example"],
      description: "one two\nthree",
      author: "a b",
    });
  });

  it("keeps reading past what does not parse, and names what it knows", () => {
    const d = readDraft("sigma", "title: 'unclosed\n\tdetection: {\nlevel: nonsense\ntags:\n  - attack.t1033\n  - attack.s0002\n  - attack.command-and-control\n", {
      techniques: [{ id: "T1033", name: "System Owner/User Discovery" }],
    });
    expect(d).toMatchObject({ title: "unclosed", level: "" });
    expect(d?.attack).toEqual({
      tactics: [{ id: "command-and-control", name: "Command and Control", shortname: "command-and-control" }],
      techniques: [{ id: "T1033", name: "System Owner/User Discovery" }],
    });
    expect(readDraft("sigma", "   \n# only a comment\n")).toBeNull();
  });

  it("reads a JSON rule's members, and nothing from JSON that does not parse", () => {
    expect(readDraft("json", '{"name": "Brute force", "level": "high", "tags": ["attack.t1110", 3], "conditions": []}')).toMatchObject({
      title: "Brute force",
      level: "high",
      attack: { tactics: [], techniques: [{ id: "T1110", name: "" }] },
    });
    expect(readDraft("json", '{"name": "Brute')).toBeNull();
    expect(readDraft("json", "[1]")).toBeNull();
  });

  it("takes only attack.* tags as ATT&CK, each once", () => {
    expect(attackOf(["attack.T1059", "attack.t1059", "cve.2021-44228", "attack.g0016", "attack.defense-evasion"])).toEqual({
      tactics: [{ id: "defense-evasion", name: "Defense Evasion", shortname: "defense-evasion" }],
      techniques: [{ id: "T1059", name: "" }],
    });
  });
});

describe("resolveTechnique", () => {
  const known = [
    { id: "T1003", name: "OS Credential Dumping" },
    { id: "T1003.001", name: "LSASS Memory" },
    { id: "T1110", name: "Brute Force" },
    { id: "T1110.001", name: "Password Guessing" },
  ];
  it("takes IDs as they are, in capitals, with or without the name after them", () => {
    expect(resolveTechnique(" t1003 ", known)).toEqual({ id: "T1003" });
    expect(resolveTechnique("T1003.001", known)).toEqual({ id: "T1003.001" });
    expect(resolveTechnique("T1003.001 LSASS Memory", known)).toEqual({ id: "T1003.001" });
    expect(resolveTechnique("T9999", known)).toEqual({ id: "T9999" }); // the server says whether ATT&CK has it
    expect(resolveTechnique("", known)).toEqual({ id: "" });
  });
  it("finds a technique by its name, whole or a part of one name", () => {
    expect(resolveTechnique("brute force", known)).toEqual({ id: "T1110" });
    expect(resolveTechnique("lsass", known)).toEqual({ id: "T1003.001" });
    expect(resolveTechnique("T10034", known)).toHaveProperty("error");
    expect(resolveTechnique("s", known)).toEqual({ error: "3 techniques match “s”: pick one from the list, or type its ID." });
    expect(resolveTechnique("kerberoasting", known)).toHaveProperty("error", expect.stringContaining("No ATT&CK technique is named “kerberoasting”"));
  });
});
