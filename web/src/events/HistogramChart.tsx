// Events over time as stacked bars. With `onZoom`, a bar is a button that
// narrows the time range to it, and dragging across bars narrows it to them.

import { memo, useEffect, useState } from "react";
import { SEVERITY_LABELS } from "../api/types";
import { barsRange, intervalLabel, type Histogram, type HistogramBar } from "./histogram";

const short = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const withDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });

const withYear = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "2-digit" });

/** Times of day within a day; days and times beyond; dates with their year over half a year or across a new year. */
export function tickFormat(h: Histogram): Intl.DateTimeFormat {
  const first = h.bars[0];
  const last = h.bars[h.bars.length - 1];
  if (!first || !last) return short;
  const from = new Date(first.start);
  const to = new Date(last.end);
  const span = to.getTime() - from.getTime();
  if (span <= 86400_000) return short;
  return span > 180 * 86400_000 || from.getFullYear() !== new Date(to.getTime() - 1).getFullYear() ? withYear : withDay;
}

function describe(bar: HistogramBar, fmt: Intl.DateTimeFormat): string {
  const parts = bar.segments
    .slice()
    .reverse()
    .map((s) => `${s.count.toLocaleString()} ${SEVERITY_LABELS[s.severity].toLowerCase()}`);
  const n = `${bar.count.toLocaleString()} event${bar.count === 1 ? "" : "s"}`;
  return `${fmt.format(new Date(bar.start))} – ${fmt.format(new Date(bar.end))}: ${n}${parts.length > 1 ? ` (${parts.join(", ")})` : ""}`;
}

interface Props {
  histogram: Histogram;
  /** Accessible name of the chart. */
  label: string;
  onZoom?: (range: { from: string; to: string }) => void;
  height?: number;
}

export const HistogramChart = memo(function HistogramChart({ histogram, label, onZoom, height = 120 }: Props) {
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const fmt = tickFormat(histogram);
  const { bars, max } = histogram;

  useEffect(() => {
    if (!drag) return;
    const cancel = () => setTimeout(() => setDrag(null), 0);
    window.addEventListener("pointerup", cancel);
    return () => window.removeEventListener("pointerup", cancel);
  }, [drag]);

  if (bars.length === 0) return null;
  const lo = drag ? Math.min(drag.start, drag.end) : -1;
  const hi = drag ? Math.max(drag.start, drag.end) : -1;
  const ticks = bars.length > 2 ? [0, Math.floor(bars.length / 2), bars.length - 1] : [0];

  function zoom(i: number) {
    if (!onZoom) return;
    const range = drag && drag.start !== drag.end ? barsRange(histogram, drag.start, drag.end) : barsRange(histogram, i, i);
    setDrag(null);
    if (range) onZoom(range);
  }

  return (
    <figure className="histogram" aria-label={label}>
      <div className="histogram-plot" style={{ height }}>
        <div className="histogram-axis" aria-hidden="true">
          <span>{max.toLocaleString()}</span>
          <span>0</span>
        </div>
        <div className="histogram-bars" role="group" aria-label={`${label}, one bar per ${intervalLabel(histogram.intervalSeconds)}`}>
          {bars.map((bar, i) => {
            const text = describe(bar, fmt);
            const inner = (
              <span className="bar-stack" style={{ height: max > 0 ? `${(bar.count / max) * 100}%` : 0 }}>
                {bar.segments.map((s) => (
                  <span key={s.severity} className={`bar-seg sev-fill-${s.severity}`} style={{ flexGrow: s.count }} />
                ))}
              </span>
            );
            const selected = i >= lo && i <= hi;
            return onZoom ? (
              <button
                key={bar.start}
                type="button"
                className={selected ? "bar bar-selected" : "bar"}
                aria-label={`${text}. Zoom in`}
                title={text}
                onPointerDown={(e) => {
                  if (e.button === 0) setDrag({ start: i, end: i });
                }}
                onPointerEnter={() => setDrag((d) => (d ? { ...d, end: i } : d))}
                onClick={() => zoom(i)}
              >
                {inner}
              </button>
            ) : (
              <span key={bar.start} className="bar" title={text} role="img" aria-label={text}>
                {inner}
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
