import { describe, expect, it } from "vitest";
import { formatOffset, zoneLabel } from "./timezone";

describe("formatOffset", () => {
  it("writes the offset ahead of UTC, as the reader's clocks differ", () => {
    expect(formatOffset(-60)).toBe("UTC+01:00");
    expect(formatOffset(300)).toBe("UTC-05:00");
    expect(formatOffset(-330)).toBe("UTC+05:30");
    expect(formatOffset(0)).toBe("UTC");
    expect(zoneLabel(new Date())).toBe(formatOffset(new Date().getTimezoneOffset()));
  });
});
