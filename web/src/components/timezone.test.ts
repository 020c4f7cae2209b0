import { afterEach, describe, expect, it, vi } from "vitest";
import { formatOffset, utcOffsetLabel, zoneLabel } from "./timezone";

afterEach(() => vi.restoreAllMocks());

describe("formatOffset", () => {
  it("writes the offset ahead of UTC, as the reader's clocks differ", () => {
    expect(formatOffset(-60)).toBe("UTC+01:00");
    expect(formatOffset(300)).toBe("UTC-05:00");
    expect(formatOffset(-330)).toBe("UTC+05:30");
    expect(formatOffset(0)).toBe("UTC");
    expect(zoneLabel(new Date())).toBe(formatOffset(new Date().getTimezoneOffset()));
  });
});

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
