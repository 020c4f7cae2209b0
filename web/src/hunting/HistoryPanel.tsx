// The caller's recent runs (GET /api/v1/search/kql/history), newest
// first: the query, when, rows, time taken, or the error; one click puts
// the query back in the editor.

import { useKqlHistory, type KqlHistoryItem } from "../api/hunting";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { formatElapsed } from "./results";

export function HistoryPanel({ onLoad }: { onLoad: (query: string) => void }) {
  const history = useKqlHistory();
  if (history.isPending) {
    return (
      <p className="muted hunt-side-note" role="status">
        Loading your history…
      </p>
    );
  }
  if (history.isError && !history.data) return <ErrorMessage error={history.error} />;
  const items = history.data?.items ?? [];
  if (items.length === 0) return <p className="muted hunt-side-note">Your queries show here once you have run some.</p>;
  return (
    <ul className="hunt-list" aria-label="Your recent queries">
      {items.map((item) => (
        <HistoryEntry key={item.id} item={item} onLoad={onLoad} />
      ))}
    </ul>
  );
}

function HistoryEntry({ item, onLoad }: { item: KqlHistoryItem; onLoad: (query: string) => void }) {
  return (
    <li className={item.error ? "hunt-item hunt-item-failed" : "hunt-item"}>
      <button type="button" className="hunt-item-button" onClick={() => onLoad(item.query)} title="Put this query in the editor">
        <code className="hunt-item-query">{item.query}</code>
        <span className="hunt-item-meta">
          <Time value={item.ran_at} />
          {item.error ? (
            <span className="hunt-item-error">Failed</span>
          ) : (
            <span>
              {item.rows.toLocaleString()} row{item.rows === 1 ? "" : "s"} · {formatElapsed(item.elapsed_ms)}
            </span>
          )}
        </span>
        {item.error ? <span className="hunt-item-error-text">{item.error}</span> : null}
      </button>
    </li>
  );
}
