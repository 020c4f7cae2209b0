// The result table. Rows are memoized: a live event put on top renders one
// new row, not the thousand below it. Columns take the width of their
// content, the message at least a readable width; when they do not fit,
// the table scrolls sideways inside its card rather than squeeze or cut.

import { Fragment, memo } from "react";
import type { EventOrder, SecurityEvent } from "../api/types";
import { utcOffsetLabel } from "../components/timezone";
import { formatTime } from "../ui/time";
import { columnLabel, eventValue, eventWhat, fieldAt, formatValue } from "./fields";
import { SeverityBadge } from "./SeverityBadge";

interface TableProps {
  events: readonly SecurityEvent[];
  columns: readonly string[];
  onOpen: (ev: SecurityEvent) => void;
  openId: string | null;
  /** Ids of events that arrived live, marked until the list changes. */
  liveIds?: ReadonlySet<string>;
  caption: string;
  /** The events' time order, said on the Time header (aria-sort and an arrow). */
  order?: EventOrder;
  /** With it, the Time header is a button that turns the order round. */
  onOrderChange?: (order: EventOrder) => void;
}

export function EventsTable({ events, columns, onOpen, openId, liveIds, caption, order, onOrderChange }: TableProps) {
  const zone = `Times in your browser's time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
  const label = `Time (${utcOffsetLabel()})`;
  return (
    <div className="table-wrap events-table-wrap">
      <table className="table table-dense events-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="col-time" aria-sort={order ? (order === "asc" ? "ascending" : "descending") : undefined} title={zone}>
              {onOrderChange ? (
                <button
                  type="button"
                  className="th-sort"
                  title={`${zone}. ${order === "asc" ? "Oldest first: click for newest first" : "Newest first: click for oldest first"}.`}
                  onClick={() => onOrderChange(order === "asc" ? "desc" : "asc")}
                >
                  {label}
                  <span className="sort-arrow" aria-hidden="true">
                    {order === "asc" ? "▲" : "▼"}
                  </span>
                </button>
              ) : (
                label
              )}
            </th>
            <th scope="col" className="col-sev">
              Severity
            </th>
            {columns.map((c) => (
              <th key={c} scope="col" className={c === "message" ? "col-message" : "col-field"} title={c}>
                <HeaderLabel text={columnLabel(c)} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {events.map((ev) => (
            <EventRow key={ev.id} event={ev} columns={columns} onOpen={onOpen} open={ev.id === openId} live={liveIds?.has(ev.id) ?? false} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A field path may break after its dots and underscores, so that a long name does not widen a column of short values. */
function HeaderLabel({ text }: { text: string }) {
  const parts = text.split(/(?<=[._])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}

interface RowProps {
  event: SecurityEvent;
  columns: readonly string[];
  onOpen: (ev: SecurityEvent) => void;
  open: boolean;
  live: boolean;
}

export const EventRow = memo(function EventRow({ event, columns, onOpen, open, live }: RowProps) {
  const time = formatTime(event["@timestamp"]);
  const cls = [open ? "row-open" : "", live ? "row-live" : ""].filter(Boolean).join(" ") || undefined;
  return (
    <tr className={cls} onClick={() => onOpen(event)}>
      <td className="cell-nowrap col-time">
        <button
          type="button"
          className="row-link"
          aria-label={`Open event ${time}${event.message ? `: ${event.message.slice(0, 80)}` : ""}`}
          onClick={(e) => {
            e.stopPropagation();
            onOpen(event);
          }}
        >
          <time dateTime={event["@timestamp"]} title={event["@timestamp"]}>
            {time}
          </time>
        </button>
      </td>
      <td className="col-sev">
        <SeverityBadge label={event.severity_label} score={event.severity} />
      </td>
      {columns.map((c) => (
        <Cell key={c} event={event} column={c} />
      ))}
    </tr>
  );
});

function Cell({ event, column }: { event: SecurityEvent; column: string }) {
  if (column === "message") {
    const text = eventValue(event, "message");
    if (!text) {
      // Without a message (e.g. a Windows event), what happened, from the fields, told as such.
      const what = eventWhat(event);
      return <td className="cell-message">{what ? <span className="muted">{what}</span> : <span className="muted">—</span>}</td>;
    }
    return (
      <td className="cell-message" title={text}>
        {text}
      </td>
    );
  }
  const text = eventValue(event, column);
  if (column === "source.ip" || column === "destination.ip") {
    const side = column.split(".")[0] ?? "source";
    const country = formatValue(fieldAt(event.fields, `${side}.geo.country_iso_code`));
    return (
      <td className="cell-nowrap mono-cell">
        {text || <span className="muted">—</span>}
        {text && country ? <span className="country-code" title={formatValue(fieldAt(event.fields, `${side}.geo.country_name`)) || country}>{country}</span> : null}
      </td>
    );
  }
  if (column === "user.name" && !text) {
    // An application that names its users by ID only: show the ID, said as such.
    const id = formatValue(fieldAt(event.fields, "user.id"));
    if (id)
      return (
        <td className="cell-nowrap cell-field" title="user.id (the event names no user.name)">
          <span className="muted">id </span>
          {id}
        </td>
      );
  }
  return <td className="cell-nowrap cell-field">{text || <span className="muted">—</span>}</td>;
}
