import { useQuery } from "@tanstack/react-query";
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import type { LiveMessage, SecurityEvent } from "../api/types";
import { SeverityBadge } from "../events/SeverityBadge";
import { eventValue, eventWhat } from "../events/fields";
import { useLive } from "../live/socket";
import { CompactTime, formatTime } from "../ui/time";
import { readSnapshot, type MetricsSnapshot } from "./liveMetrics";

export const FEED_SIZE = 20;
const LIVE_ONLY = ["security:events"] as const;
const LIVE_AND_METRICS = ["security:events", "metrics"] as const;

/**
 * The last events to arrive, over the WebSocket, on top of the newest
 * stored ones (read when the page opens and again whenever the socket
 * reconnects, so that a gap is filled); each opens the event drawer.
 * With onMetrics, the same socket also takes the metrics channel, whose
 * snapshots it hands on.
 */
export function LiveFeed({ onOpen, onMetrics }: { onOpen: (ev: SecurityEvent) => void; onMetrics?: ((snap: MetricsSnapshot) => void) | undefined }) {
  const [live, setEvents] = useState<SecurityEvent[]>([]);
  const [dropped, setDropped] = useState(0);
  const metrics = useRef(onMetrics);
  metrics.current = onMetrics;
  const onMessage = useCallback((msg: LiveMessage) => {
    if (msg.channel === "metrics") {
      const snap = readSnapshot(msg.data);
      if (snap) metrics.current?.(snap);
      return;
    }
    if (msg.channel === "system" && msg.type === "dropped") {
      const n = (msg.data as { count?: unknown } | null)?.count;
      if (typeof n === "number") setDropped((d) => d + n);
      return;
    }
    if (msg.channel !== "security:events" || msg.type !== "event") return;
    const ev = msg.data as SecurityEvent | null;
    if (!ev || typeof ev.id !== "string") return;
    setEvents((list) => [ev, ...list.filter((e) => e.id !== ev.id)].slice(0, FEED_SIZE));
  }, []);
  const status = useLive(onMetrics ? LIVE_AND_METRICS : LIVE_ONLY, "", true, onMessage);
  const stored = useQuery({
    queryKey: queryKeys.events({ size: FEED_SIZE, feed: true }),
    queryFn: ({ signal }) => api.searchEvents({ size: FEED_SIZE }, signal),
    staleTime: Infinity,
  });
  const { refetch } = stored;
  const opened = useRef(false);
  useEffect(() => {
    if (status !== "open") return;
    if (opened.current) void refetch(); // a reconnect: read what the gap held
    opened.current = true;
  }, [status, refetch]);
  const events = useMemo(() => {
    const ids = new Set(live.map((e) => e.id));
    return [...live, ...(stored.data?.items ?? []).filter((e) => !ids.has(e.id))].slice(0, FEED_SIZE);
  }, [live, stored.data]);

  return (
    <section className="card live-feed" aria-labelledby="live-feed-title">
      <div className="card-head">
        <h2 id="live-feed-title">Live feed</h2>
        <span className={status === "open" ? "pill pill-on" : status === "connecting" ? "pill pill-warn" : "pill pill-off"}>
          {status === "open" ? "Connected" : status === "connecting" ? "Connecting…" : "Disconnected"}
        </span>
      </div>
      {dropped > 0 ? (
        <p className="alert alert-warning" role="status">
          {dropped.toLocaleString()} dropped: events arrived faster than this browser could take them.
        </p>
      ) : null}
      {events.length === 0 ? (
        <p className="muted feed-empty">
          {stored.isPending ? "Loading the latest events…" : "Waiting for new events. They appear here the moment the server stores them."}
        </p>
      ) : (
        <ol className="feed-list" aria-label="Latest events">
          {events.map((ev) => (
            <FeedItem key={ev.id} event={ev} onOpen={onOpen} />
          ))}
        </ol>
      )}
    </section>
  );
}

const FeedItem = memo(function FeedItem({ event, onOpen }: { event: SecurityEvent; onOpen: (ev: SecurityEvent) => void }) {
  const host = eventValue(event, "host.name");
  const message = eventValue(event, "message");
  // Without a message, what happened, from the fields, told as such.
  const what = message ? "" : eventWhat(event);
  return (
    <li>
      <button type="button" className="feed-item" onClick={() => onOpen(event)} aria-label={`Open event ${formatTime(event["@timestamp"])}: ${(message || what).slice(0, 80)}`}>
        <span className="feed-top">
          <SeverityBadge label={event.severity_label} score={event.severity} />
          <span className="muted">
            <CompactTime value={event["@timestamp"]} />
          </span>
          {host ? <span className="feed-host">{host}</span> : null}
        </span>
        <span className="feed-message">{message || <span className="muted">{what || "(no message)"}</span>}</span>
      </button>
    </li>
  );
});
