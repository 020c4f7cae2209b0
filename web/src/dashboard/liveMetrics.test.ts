import { describe, expect, it } from "vitest";
import { makeSnapshot } from "../test/metrics";
import { HISTORY, formatRate, pushSnapshot, readSnapshot, sparkPath, type MetricsSnapshot } from "./liveMetrics";

describe("liveMetrics", () => {
  it("reads a snapshot and refuses anything else", () => {
    expect(readSnapshot(makeSnapshot({ received: 10 }))?.events.received).toBe(10);
    expect(readSnapshot(null)).toBeNull();
    expect(readSnapshot({ time: "x" })).toBeNull();
    expect(readSnapshot({ time: "x", interval_seconds: 5, events: {}, alerts: {} })).toBeNull();
  });

  it("keeps the last five minutes, oldest first", () => {
    let h: MetricsSnapshot[] = [];
    for (let i = 0; i < HISTORY + 7; i++) h = pushSnapshot(h, makeSnapshot({ received: i }));
    expect(h).toHaveLength(HISTORY);
    expect(h[0]?.events.received).toBe(7);
    expect(h.at(-1)?.events.received).toBe(HISTORY + 6);
  });

  it("writes rates as people read them", () => {
    expect(formatRate(0)).toBe("0/s");
    expect(formatRate(Number.NaN)).toBe("0/s");
    expect(formatRate(0.44)).toBe("0.4/s");
    expect(formatRate(12.4)).toBe("12/s");
    expect(formatRate(12480.2)).toBe("12,480/s");
  });

  it("draws the highest value at the top and zero at the bottom", () => {
    expect(sparkPath([], 120, 24)).toBe("");
    expect(sparkPath([0, 5, 10], 120, 24)).toBe("M0.0,24.0 L60.0,12.0 L120.0,0.0");
    // All zero: a flat line at the bottom, not a division by zero.
    expect(sparkPath([0, 0], 120, 24)).toBe("M0.0,24.0 L120.0,24.0");
  });
});
