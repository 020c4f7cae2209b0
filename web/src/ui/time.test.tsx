import { describe, expect, it } from "vitest";
import { formatCompactTime } from "./time";

describe("formatCompactTime", () => {
  const now = new Date(2026, 10, 24, 12, 0, 0);
  it("leaves the year out for this year's times", () => {
    const s = formatCompactTime(new Date(2026, 4, 1, 4, 42, 11).toISOString(), now);
    expect(s).not.toContain("2026");
    expect(s).toContain("04:42:11");
  });
  it("writes the year of an earlier year's time (an imported archive)", () => {
    const s = formatCompactTime(new Date(2022, 4, 1, 4, 42, 11).toISOString(), now);
    expect(s).toContain("2022");
    expect(s).toContain("04:42:11");
  });
  it("returns what it cannot read unchanged", () => {
    expect(formatCompactTime("not a time", now)).toBe("not a time");
  });
});
