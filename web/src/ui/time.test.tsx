import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompactTime, Time, ZonedHeading, formatCompactTime, formatTime, formatTimeRange, formatUTC, formatZonedTime, zoneAt } from "./time";

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

describe("times with their zone", () => {
  afterEach(() => vi.restoreAllMocks());
  const at = "2026-11-20T08:47:22Z";

  it("writes the exact time in UTC, and what is not a time unchanged", () => {
    expect(formatUTC(at)).toBe("2026-11-20 08:47:22 UTC");
    expect(formatUTC("soon")).toBe("soon");
    expect(zoneAt("soon")).toBe("");
  });

  it.each([
    [300, "UTC-05:00"],
    [-60, "UTC+01:00"],
    [0, "UTC"],
  ])("names the reader's offset at that time (%i minutes behind UTC: %s)", (offset, zone) => {
    vi.spyOn(Date.prototype, "getTimezoneOffset").mockReturnValue(offset);
    expect(zoneAt(at)).toBe(zone);
    expect(formatZonedTime(at)).toBe(`${formatTime(at)} ${zone}`);
    // A range shared by both ends names its zone once.
    expect(formatTimeRange(at, "2026-11-21T08:47:22Z")).toBe(`${formatTime(at)} – ${formatTime("2026-11-21T08:47:22Z")} ${zone}`);
  });

  it("writes each end's zone when daylight saving changes it within a range", () => {
    vi.spyOn(Date.prototype, "getTimezoneOffset").mockImplementation(function (this: Date) {
      return this.getUTCMonth() >= 2 && this.getUTCMonth() < 10 ? 240 : 300;
    });
    expect(formatTimeRange("2026-10-30T12:00:00Z", "2026-11-02T12:00:00Z")).toMatch(/UTC-04:00 – .* UTC-05:00$/);
  });

  it("shows the zone when asked, and the UTC time on hover", () => {
    vi.spyOn(Date.prototype, "getTimezoneOffset").mockReturnValue(300);
    const { container } = render(
      <p>
        <Time value={at} zone /> <Time value={at} /> <CompactTime value={at} zone /> <Time value={null} empty="never" zone />
      </p>,
    );
    const [zoned, plain, compact] = Array.from(container.querySelectorAll("time"));
    expect(zoned).toHaveTextContent(`${formatTime(at)} UTC-05:00`);
    expect(zoned).toHaveAttribute("title", `${formatTime(at)} UTC-05:00\n2026-11-20 08:47:22 UTC`);
    expect(zoned).toHaveAttribute("datetime", at);
    expect(plain).toHaveTextContent(new RegExp(`^${formatTime(at)}$`));
    expect(compact).toHaveTextContent(/UTC-05:00$/);
    expect(container).toHaveTextContent("never");
  });

  it("names the zone in a column's heading, as Events does", () => {
    vi.spyOn(Date.prototype, "getTimezoneOffset").mockReturnValue(-60);
    render(<ZonedHeading label="Time" />);
    expect(screen.getByText("Time", { exact: false })).toHaveTextContent("Time (UTC+01:00)");
  });
});
