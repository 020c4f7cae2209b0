// A small line chart of one resource over time, drawn as SVG: accessible
// as an image with its latest value in the label.

import { formatTime } from "../ui/time";

export interface ChartPoint {
  at: string;
  value: number;
}

const W = 480;
const H = 120;

export function MetricChart({ title, points, max, format }: { title: string; points: ChartPoint[]; max?: number; format: (v: number) => string }) {
  if (points.length === 0) return null;
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const top = Math.max(max ?? 0, ...points.map((p) => p.value), 1);
  const x = (t: number) => (t1 === t0 ? W / 2 : ((t - t0) / (t1 - t0)) * W);
  const y = (v: number) => H - (v / top) * H;
  const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(times[i] ?? t0).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const last = points[points.length - 1];
  const label = `${title}: ${last ? format(last.value) : ""} at ${last ? formatTime(last.at) : ""}`;
  return (
    <figure className="ep-chart">
      <figcaption>
        {title} <strong>{last ? format(last.value) : ""}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none">
        <path d={d} fill="none" stroke="currentColor" strokeWidth="2" vectorEffect="non-scaling-stroke" />
      </svg>
      <div className="ep-chart-axis muted">
        <span>{formatTime(points[0]?.at ?? "")}</span>
        <span>max {format(top)}</span>
      </div>
    </figure>
  );
}
