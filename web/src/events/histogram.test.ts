import { describe, expect, it } from "vitest";
import { makeStats } from "../test/events";
import { makeEvent } from "../test/events";
import { barsRange, histogramOf, intervalLabel, withEvents } from "./histogram";
import { tickFormat } from "./HistogramChart";

describe("histogramOf", () => {
  it("stacks each bucket by severity, least severe first, and skips empty bands", () => {
    const h = histogramOf(
      makeStats({
        interval_seconds: 3600,
        from: undefined,
        to: undefined,
        over_time: [{ start: "2026-11-23T10:00:00Z", count: 6, by_severity: { critical: 1, low: 3, high: 2, medium: 0 } }],
      }),
    );
    expect(h.bars).toHaveLength(1);
    expect(h.bars[0]?.segments).toEqual([
      { severity: "low", count: 3 },
      { severity: "high", count: 2 },
      { severity: "critical", count: 1 },
    ]);
    expect(h.bars[0]?.end).toBe("2026-11-23T11:00:00.000Z");
    expect(h.max).toBe(6);
  });

  it("fills the intervals the server left out, so time reads evenly", () => {
    const h = histogramOf(
      makeStats({
        interval_seconds: 3600,
        from: "2026-11-23T08:30:00Z",
        to: "2026-11-23T12:10:00Z",
        over_time: [
          { start: "2026-11-23T11:00:00Z", count: 2, by_severity: { info: 2 } },
          { start: "2026-11-23T09:00:00Z", count: 5, by_severity: { high: 5 } },
        ],
      }),
    );
    expect(h.bars.map((b) => [b.start.slice(11, 16), b.count])).toEqual([
      ["08:00", 0],
      ["09:00", 5],
      ["10:00", 0],
      ["11:00", 2],
      ["12:00", 0],
    ]);
    expect(h.max).toBe(5);
  });

  it("uses the server's buckets as they are when they are not on an even grid", () => {
    const h = histogramOf(
      makeStats({
        interval_seconds: 3600,
        from: "2026-11-23T08:00:00Z",
        to: "2026-11-23T12:00:00Z",
        over_time: [
          { start: "2026-11-23T09:17:00Z", count: 1, by_severity: { low: 1 } },
          { start: "2026-11-23T08:17:00Z", count: 4, by_severity: { low: 4 } },
        ],
      }),
    );
    expect(h.bars.map((b) => b.count)).toEqual([4, 1]);
  });

  it("has nothing to draw without buckets", () => {
    const h = histogramOf(makeStats({ from: undefined, to: undefined }));
    expect(h.bars).toEqual([]);
    expect(h.max).toBe(0);
  });

  it("zooms to one bar or to a dragged span of bars", () => {
    const h = histogramOf(
      makeStats({ interval_seconds: 300, from: "2026-11-23T10:00:00Z", to: "2026-11-23T10:15:00Z", over_time: [{ start: "2026-11-23T10:05:00Z", count: 1, by_severity: { low: 1 } }] }),
    );
    expect(barsRange(h, 1, 1)).toEqual({ from: "2026-11-23T10:05:00.000Z", to: "2026-11-23T10:10:00.000Z" });
    expect(barsRange(h, 2, 0)).toEqual({ from: "2026-11-23T10:00:00.000Z", to: "2026-11-23T10:15:00.000Z" });
    expect(barsRange(h, 7, 7)).toBeNull();
    expect([intervalLabel(60), intervalLabel(3600), intervalLabel(86400), intervalLabel(90)]).toEqual(["1 min", "1 h", "1 d", "90 s"]);
  });
});

describe("tickFormat", () => {
  const bars = (start: string, end: string) => ({ bars: [{ start, end, count: 1, segments: [] }], max: 1 }) as unknown as Parameters<typeof tickFormat>[0];
  const label = (start: string, end: string) => tickFormat(bars(start, end)).format(new Date(start));
  it("writes the year over years, and only the time within a day", () => {
    expect(label("2019-02-13T00:00:00Z", "2022-02-19T17:35:17Z")).toMatch(/2019/);
    expect(label("2022-12-30T00:00:00Z", "2023-01-02T00:00:00Z")).toMatch(/2022/);
    expect(label("2022-02-19T16:35:00Z", "2022-02-19T17:35:00Z")).not.toMatch(/2022|Feb/);
    expect(label("2022-02-12T16:35:00Z", "2022-02-19T17:35:00Z")).not.toMatch(/2022/);
  });
});

describe("withEvents", () => {
  it("counts live events into their buckets, adding buckets past the end", () => {
    const stats = makeStats({
      total: 2,
      interval_seconds: 3600,
      from: "2026-11-23T08:00:00Z",
      to: "2026-11-23T10:30:00Z",
      over_time: [{ start: "2026-11-23T09:00:00Z", count: 2, by_severity: { high: 2 } }],
    });
    const out = withEvents(stats, [
      makeEvent({ id: "a", "@timestamp": "2026-11-23T09:15:00Z", severity_label: "high" }),
      makeEvent({ id: "b", "@timestamp": "2026-11-23T11:20:00Z", severity_label: "critical" }),
    ]);
    expect(out.total).toBe(4);
    expect(out.over_time).toEqual([
      { start: "2026-11-23T09:00:00Z", count: 3, by_severity: { high: 3 } },
      { start: "2026-11-23T11:00:00.000Z", count: 1, by_severity: { critical: 1 } },
    ]);
    expect(Date.parse(out.to ?? "")).toBeGreaterThan(Date.parse("2026-11-23T11:20:00Z"));
    // The original is left as it was.
    expect(stats.over_time[0]?.count).toBe(2);
    const h = histogramOf(out);
    expect(h.bars.map((b) => b.count)).toEqual([0, 3, 0, 1]);
  });
});
