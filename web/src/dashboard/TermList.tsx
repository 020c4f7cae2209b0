import { Link } from "react-router";
import type { TermCount } from "../api/types";
import { eventsLink, fieldClause, type TimeRange } from "../events/searchState";

interface Props {
  title: string;
  items: readonly TermCount[];
  /** The field the terms are values of: each links to the events with it. */
  field: string;
  range: TimeRange;
  /** Shown beside a term, e.g. a country's name. */
  describe?: (term: string) => string | undefined;
  mono?: boolean;
}

/** A top-N list with proportional bars; every term opens its events. */
export function TermList({ title, items, field, range, describe, mono }: Props) {
  const max = items.reduce((m, t) => Math.max(m, t.count), 0);
  return (
    <section className="card term-card" aria-label={title}>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p className="muted term-empty">None in this range.</p>
      ) : (
        <ol className="term-list">
          {items.map((t) => (
            <li key={t.term}>
              <Link className={mono ? "term-name mono" : "term-name"} to={eventsLink(fieldClause(field, t.term), range)} title={`Search ${field}:"${t.term}"`}>
                {t.term || "(empty)"}
                {describe?.(t.term) ? <span className="muted"> {describe(t.term)}</span> : null}
              </Link>
              <span className="term-count">{t.count.toLocaleString()}</span>
              <span className="term-bar" aria-hidden="true">
                <span style={{ width: `${max > 0 ? (t.count / max) * 100 : 0}%` }} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
