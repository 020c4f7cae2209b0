import { afterEach, describe, expect, it, vi } from "vitest";
import { utcOffsetLabel } from "./timezone";

afterEach(() => vi.restoreAllMocks());

describe("utcOffsetLabel", () => {
  it.each([
    [0, "UTC"],
    [-60, "UTC+01:00"],
    [-330, "UTC+05:30"],
    [300, "UTC-05:00"],
    [570, "UTC-09:30"],
  ])("an offset of %i minutes is %s", (offset, label) => {
    const at = new Date();
    vi.spyOn(at, "getTimezoneOffset").mockReturnValue(offset);
    expect(utcOffsetLabel(at)).toBe(label);
  });
});
