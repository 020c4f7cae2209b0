import { describe, expect, it } from "vitest";
import type { RuleFeed } from "../api/detection";
import { alertRuleLabel, feedLines, silenced } from "./ruleDocuments";

const feed = (over: Partial<RuleFeed>): RuleFeed => ({
  document: "base-1",
  document_title: "Failed logon",
  rule_id: "corr-file",
  rule_title: "Repeated failed logons",
  correlation_id: "corr-1",
  correlation_title: "Repeated failed logons",
  generate: false,
  silenced: true,
  ...over,
});

describe("alertRuleLabel", () => {
  it("names the file and the document that raised the alert", () => {
    expect(alertRuleLabel({ rule_id: "f", rule_title: "Two failed logons", rule_name: "Three users failing" })).toBe("Two failed logons › Three users failing");
  });
  it("is the file's title when the document is the file's first, or unknown (older alerts)", () => {
    expect(alertRuleLabel({ rule_id: "f", rule_title: "Two failed logons", rule_name: "Two failed logons" })).toBe("Two failed logons");
    expect(alertRuleLabel({ rule_id: "f", rule_title: "Two failed logons", rule_name: "" })).toBe("Two failed logons");
    expect(alertRuleLabel({ rule_id: "f", rule_title: "", rule_name: undefined })).toBe("f");
  });
});

describe("feedLines", () => {
  it("says a silenced rule's alerts are silenced, once per correlation", () => {
    const feeds = [feed({}), feed({ correlation_id: "corr-2", correlation_title: "A flood" })];
    expect(feedLines(feeds)).toEqual([
      "Failed logon feeds correlation “Repeated failed logons” (its own alerts are silenced: generate is false)",
      "Failed logon feeds correlation “A flood” of “Repeated failed logons” (its own alerts are silenced: generate is false)",
    ]);
    expect(silenced(feeds)).toBe(true);
  });
  it("says generate keeps the alerts, and nothing without feeds", () => {
    const feeds = [feed({ generate: true, silenced: false })];
    expect(feedLines(feeds)).toEqual(["Failed logon feeds correlation “Repeated failed logons” (generate: true, its own alerts still raise)"]);
    expect(silenced(feeds)).toBe(false);
    expect(feedLines(undefined)).toEqual([]);
    expect(feedLines([])).toEqual([]);
  });
});
