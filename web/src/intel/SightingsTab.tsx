// The Sightings tab: the events that matched indicators, live and found
// in history by retro-hunts, newest first.

import { Link } from "react-router";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { TYPE_LABELS, useSightings } from "./intelApi";

export function SightingsTab() {
  const list = useSightings({ limit: 100 });
  const items = list.data?.items ?? [];
  return (
    <section aria-label="Sightings">
      {list.isError ? <ErrorMessage error={list.error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Seen</th>
              <th scope="col">Indicator</th>
              <th scope="col">Event field</th>
              <th scope="col">Event value</th>
              <th scope="col">Match</th>
              <th scope="col">Found</th>
              <th scope="col">Event</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td>
                  <Time value={s.event_time} />
                </td>
                <td>
                  {TYPE_LABELS[s.indicator_type] ?? s.indicator_type} <code>{s.indicator_value}</code>
                </td>
                <td>
                  <code>{s.field}</code>
                </td>
                <td className="intel-value">
                  <code>{s.value}</code>
                </td>
                <td>{s.match_type === "indicator_match_url_host" ? "URL host (weaker)" : "Indicator"}</td>
                <td>{s.origin === "retro" ? "In history" : "Live"}</td>
                <td>
                  <Link to={`/events?event=${encodeURIComponent(s.event_id)}`}>Open</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.isSuccess && items.length === 0 ? <p className="empty">No event has matched an indicator yet.</p> : null}
      </div>
      {list.data && list.data.total > items.length ? (
        <p className="muted">
          The newest {items.length} of {list.data.total.toLocaleString()} sightings.
        </p>
      ) : null}
    </section>
  );
}
