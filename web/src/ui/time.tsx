// Times come from the API as RFC 3339 UTC strings; people read them in their
// own time zone, with the exact UTC value on hover.

const formatter = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

export function formatTime(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return formatter.format(d);
}

/** A <time> element, or `empty` when the value is null. */
export function Time({ value, empty = "—" }: { value: string | null | undefined; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={value} title={value}>
      {formatTime(value)}
    </time>
  );
}

const compact = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/**
 * A shorter form for dense tables, to the second: without the year for
 * times of this year, with it otherwise (an imported archive's events
 * and alerts must not read as this year's).
 */
export function formatCompactTime(value: string, now: Date = new Date()): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.getFullYear() === now.getFullYear() ? compact.format(d) : formatter.format(d);
}

/** A <time> in the compact form, the full one on hover. */
export function CompactTime({ value }: { value: string }) {
  return (
    <time dateTime={value} title={formatTime(value)}>
      {formatCompactTime(value)}
    </time>
  );
}

const monthFormatter = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long" });

/** "May 2017": a time known to the month (the start of a coarse bucket). */
export function formatMonth(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return monthFormatter.format(d);
}
