import { describe, expect, it } from "vitest";
import { unwrap } from "./unwrap";

describe("unwrap", () => {
  it("joins the hard-wrapped lines of a paragraph", () => {
    expect(unwrap("Detects event 1102 in the Security log: the audit log was cleared. Clearing\nthe Security log erases logon history\n")).toBe(
      "Detects event 1102 in the Security log: the audit log was cleared. Clearing the Security log erases logon history",
    );
  });
  it("keeps paragraphs and list items apart", () => {
    expect(unwrap("First paragraph\nwrapped.\n\nSecond one:\n- item one\n  - item two\n1. numbered\nwrapped")).toBe(
      "First paragraph wrapped.\n\nSecond one:\n- item one\n- item two\n1. numbered wrapped",
    );
  });
  it("leaves a one-line text alone", () => {
    expect(unwrap("Short.")).toBe("Short.");
  });
});
