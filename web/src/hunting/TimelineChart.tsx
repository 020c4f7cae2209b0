// The result's rows per hour (or per day over long spans) as bars, counted
// by the timeline's datetime column. Drawn with the Events histogram's
// styles so both read alike.

import { memo } from "react";
import type { Timeline, TimelineBar } from "./results";

const hourFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const dayHourFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const dayFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "2-digit" });

function formatFor(t: Timeline): Intl.DateTimeFormat {
  if (t.stepMs >= 86400_000) return dayFmt;
  const first = t.bars[0];
  const last = t.bars[t.bars.length - 1];
  if (!first || !last) return hourFmt;
  const sameDay = new Date(first.start).toDateString() === new Date(Date.parse(last.end) - 1).toDateString();
  return sameDay ? hourFmt : dayHourFmt;
}

function describe(bar: TimelineBar, fmt: Intl.DateTimeFormat): string {
  return `${fmt.format(new Date(bar.start))} – ${fmt.format(new Date(bar.end))}: ${bar.count.toLocaleString()} row${bar.count === 1 ? "" : "s"}`;
}

export const TimelineChart = memo(function TimelineChart({ timeline, label, height = 110 }: { timeline: Timeline; label: string; height?: number }) {
  const { bars, max } = timeline;
  if (bars.length === 0) return null;
  const fmt = formatFor(timeline);
  const ticks = bars.length > 2 ? [0, Math.floor(bars.length / 2), bars.length - 1] : [0];
  return (
    <figure className="histogram hunt-timeline" aria-label={label}>
      <div className="histogram-plot" style={{ height }}>
        <div className="histogram-axis" aria-hidden="true">
          <span>{max.toLocaleString()}</span>
          <span>0</span>
        </div>
        <div className="histogram-bars" role="group" aria-label={`${label}, one bar per ${timeline.stepMs >= 86400_000 ? "day" : "hour"}`}>
          {bars.map((bar) => {
            const text = describe(bar, fmt);
            return (
              <span key={bar.start} className="bar" title={text} role="img" aria-label={text}>
                <span className="bar-stack" style={{ height: max > 0 ? `${(bar.count / max) * 100}%` : 0 }}>
                  {bar.count > 0 ? <span className="bar-seg hunt-bar-fill" style={{ flexGrow: 1 }} /> : null}
                </span>
              </span>
            );
          })}
        </div>
      </div>
      <div className="histogram-ticks" aria-hidden="true">
        {ticks.map((i) => {
          const bar = bars[i];
          return bar ? (
            <span key={i} style={{ left: `${((i + 0.5) / bars.length) * 100}%` }}>
              {fmt.format(new Date(bar.start))}
            </span>
          ) : null;
        })}
      </div>
    </figure>
  );
});
