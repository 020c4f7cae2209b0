// ATT&CK coverage: the Enterprise matrix, tactics as columns and their
// techniques as cells, each coloured by how many enabled rules detect it.
// A cell links to the rules list filtered on its technique. The matrix
// is wider than most screens: edge shades and a line above it say which
// tactics are in view and that more lie sideways.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useCoverage, type CoverageTechnique } from "../api/detection";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useDocumentTitle } from "../ui/useDocumentTitle";

/** Heat steps by number of enabled rules: 0, 1, 2–4, 5–9, 10+. */
export function heatStep(enabled: number): 0 | 1 | 2 | 3 | 4 {
  if (enabled <= 0) return 0;
  if (enabled === 1) return 1;
  if (enabled < 5) return 2;
  if (enabled < 10) return 3;
  return 4;
}

const LEGEND: ReadonlyArray<[number, string]> = [
  [0, "none"],
  [1, "1"],
  [2, "2–4"],
  [3, "5–9"],
  [4, "10 or more"],
];

export function CoveragePage() {
  useDocumentTitle("ATT&CK coverage · Rules");
  const coverage = useCoverage();
  const [coveredOnly, setCoveredOnly] = useState(false);

  const tactics = useMemo(() => {
    const list = coverage.data?.tactics ?? [];
    if (!coveredOnly) return list;
    return list.map((t) => ({ ...t, techniques: t.techniques.filter((x) => x.rules > 0) }));
  }, [coverage.data, coveredOnly]);

  if (coverage.isPending) {
    return (
      <div className="card dash-loading muted" role="status">
        Loading the ATT&amp;CK matrix…
      </div>
    );
  }
  if (coverage.isError) return <ErrorMessage error={coverage.error} />;
  const { techniques_total: total, techniques_covered: covered } = coverage.data;
  const pct = total > 0 ? (covered / total) * 100 : 0;
  const anyRules = coverage.data.tactics.some((t) => t.techniques.some((x) => x.rules > 0));

  return (
    <div className="coverage">
      <div className="coverage-head">
        <div className="coverage-summary" role="status">
          <span className="big-number coverage-number">
            {covered.toLocaleString()} <span className="muted">/ {total.toLocaleString()}</span>
          </span>
          <span>
            techniques covered by at least one enabled rule ({pct.toFixed(pct > 0 && pct < 10 ? 1 : 0)} %)
          </span>
          <span className="coverage-bar" aria-hidden="true">
            <span style={{ width: `${pct}%` }} />
          </span>
        </div>
        <div className="coverage-tools">
          <label className="check">
            <input type="checkbox" checked={coveredOnly} onChange={(e) => setCoveredOnly(e.target.checked)} />
            Only techniques with rules
          </label>
          <ul className="heat-legend" aria-label="Colour: enabled rules per technique">
            {LEGEND.map(([step, label]) => (
              <li key={step}>
                <span className={`heat-swatch heat-${step}`} aria-hidden="true" />
                {label}
              </li>
            ))}
          </ul>
        </div>
      </div>
      {!anyRules ? (
        <div className="alert alert-info" role="note">
          No rule carries an ATT&amp;CK tag yet. Tag rules with <code>attack.t1059.001</code>-style tags (SigmaHQ rules have them) and they are counted here.
        </div>
      ) : null}
      <MatrixScroller count={tactics.length}>
        {tactics.map((t) => {
          const withRules = t.techniques.filter((x) => x.enabled > 0).length;
          const all = coverage.data.tactics.find((x) => x.id === t.id)?.techniques.length ?? t.techniques.length;
          return (
            <section key={t.id} className="matrix-col" aria-labelledby={`tactic-${t.id}`}>
              <header className="matrix-tactic">
                <h2 id={`tactic-${t.id}`} title={t.id}>
                  {t.name}
                </h2>
                <span className="muted">
                  {withRules} / {all}
                </span>
              </header>
              <ul className="matrix-cells">
                {t.techniques.map((x) => (
                  <li key={x.id}>
                    <Cell technique={x} />
                  </li>
                ))}
                {t.techniques.length === 0 ? <li className="muted matrix-none">No technique with rules</li> : null}
              </ul>
            </section>
          );
        })}
      </MatrixScroller>
    </div>
  );
}

/** Which of the matrix's columns are in view, as 0-based first and last; null when all are. */
export function columnsInView(cols: ReadonlyArray<{ left: number; width: number }>, scrollLeft: number, viewWidth: number): { first: number; last: number } | null {
  let first = -1;
  let last = -1;
  cols.forEach((c, i) => {
    // A column counts as shown when most of it is.
    const mid = c.left + c.width / 2;
    if (mid >= scrollLeft && mid <= scrollLeft + viewWidth) {
      if (first < 0) first = i;
      last = i;
    }
  });
  if (first < 0 || (first === 0 && last === cols.length - 1)) return null;
  return { first, last };
}

/**
 * The matrix in a sideways scroller that shows it scrolls: which tactics
 * are in view, buttons to the earlier and later ones, and a shade on an
 * edge with more beyond it.
 */
function MatrixScroller({ count, children }: { count: number; children: ReactNode }) {
  const wrap = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<{ first: number; last: number; left: boolean; right: boolean } | null>(null);
  const measure = useCallback(() => {
    const el = wrap.current;
    const grid = el?.firstElementChild;
    if (!el || !grid) return;
    const cols = Array.from(grid.children, (c) => ({ left: (c as HTMLElement).offsetLeft, width: (c as HTMLElement).offsetWidth }));
    const shown = el.scrollWidth > el.clientWidth + 1 ? columnsInView(cols, el.scrollLeft, el.clientWidth) : null;
    setView(shown ? { ...shown, left: el.scrollLeft > 1, right: el.scrollLeft + el.clientWidth < el.scrollWidth - 1 } : null);
  }, []);
  useEffect(() => {
    measure();
    const el = wrap.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure, count]);
  const step = (dir: 1 | -1) => wrap.current?.scrollBy({ left: dir * wrap.current.clientWidth * 0.8, behavior: "smooth" });
  return (
    <>
      {view ? (
        <div className="matrix-nav">
          <span className="muted" role="status">
            Tactics {(view.first + 1).toLocaleString()}–{(view.last + 1).toLocaleString()} of {count.toLocaleString()} in view: scroll sideways for the others.
          </span>
          <button type="button" className="btn btn-small" onClick={() => step(-1)} disabled={!view.left}>
            ← Earlier tactics
          </button>
          <button type="button" className="btn btn-small" onClick={() => step(1)} disabled={!view.right}>
            Later tactics →
          </button>
        </div>
      ) : null}
      <div className={`matrix-frame${view?.left ? " matrix-more-left" : ""}${view?.right ? " matrix-more-right" : ""}`}>
        <div className="matrix-wrap" role="region" aria-label="ATT&CK Enterprise matrix" tabIndex={0} ref={wrap} onScroll={measure}>
          <div className="matrix">{children}</div>
        </div>
      </div>
    </>
  );
}

/** A technique: a link to the rules tagged with it, so it can be opened in a new tab or shared. */
function Cell({ technique: x }: { technique: CoverageTechnique }) {
  const label = `${x.id} ${x.name}: ${x.enabled} enabled rule${x.enabled === 1 ? "" : "s"}${x.rules !== x.enabled ? ` of ${x.rules}` : ""}`;
  return (
    <Link to={`/rules?technique=${encodeURIComponent(x.id)}`} className={`matrix-cell heat-${heatStep(x.enabled)}`} aria-label={label} title={label}>
      <span className="matrix-id">{x.id}</span>
      <span className="matrix-name">{x.name}</span>
      {x.rules > 0 ? (
        <span className="matrix-count">
          {x.enabled}
          {x.rules !== x.enabled ? <span className="muted">/{x.rules}</span> : null}
        </span>
      ) : null}
    </Link>
  );
}
