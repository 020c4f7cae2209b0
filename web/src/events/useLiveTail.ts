// Live mode of the Events page: new events matching the search arrive over
// the WebSocket (channel security:events, the query as the server-side
// filter). Those stamped outside the time range (an archive imported now,
// a device with a wrong clock) are counted, not listed; the others are put
// in the list by their timestamp, newest first. Arrivals are applied at most five
// times a second, so a busy feed re-renders the page in batches, not per
// event. While paused (the reader scrolled down or opened an event) they
// wait in `pending` and the list stands still.

import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { LiveMessage, SecurityEvent, Severity } from "../api/types";
import { useLive, type LiveStatus } from "../live/socket";
import { inRange, type TimeRange } from "./searchState";

/** The most events live mode keeps on screen (and waiting while paused). */
export const LIVE_CAP = 500;

const FLUSH_MS = 200;

export interface TailState {
  /** Newest first. */
  events: SecurityEvent[];
  /** Arrived while paused, newest first. */
  pending: SecurityEvent[];
  /** Messages the server could not deliver (it says how many). */
  dropped: number;
  /** Events that arrived stamped outside the time range, not listed. */
  outside: number;
  paused: boolean;
  /** The server's refusal of the filter, e.g. a syntax error. */
  error: string | null;
}

type Action =
  | { type: "arrive"; events: SecurityEvent[]; outside?: number }
  | { type: "dropped"; count: number }
  | { type: "error"; message: string }
  | { type: "subscribed" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "reset" };

export const EMPTY_TAIL: TailState = { events: [], pending: [], dropped: 0, outside: 0, paused: false, error: null };

function timeOf(ev: SecurityEvent): number {
  const t = Date.parse(ev["@timestamp"]);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * Both lists in one, newest first by timestamp (not by arrival: a shipper
 * may send a burst oldest first), each event once, `first`'s copy kept and
 * put before an event of the same time. Each list must be newest first.
 */
export function mergeNewestFirst(first: readonly SecurityEvent[], second: readonly SecurityEvent[]): SecurityEvent[] {
  const ids = new Set(first.map((e) => e.id));
  const rest = second.filter((e) => !ids.has(e.id));
  const out: SecurityEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length || j < rest.length) {
    const a = first[i];
    const b = rest[j];
    if (a && (!b || timeOf(a) >= timeOf(b))) {
      out.push(a);
      i++;
    } else if (b) {
      out.push(b);
      j++;
    }
  }
  return out;
}

function byTimeDesc(events: readonly SecurityEvent[]): SecurityEvent[] {
  return events.slice().sort((a, b) => timeOf(b) - timeOf(a));
}

function insert(list: SecurityEvent[], arrived: SecurityEvent[]): SecurityEvent[] {
  return mergeNewestFirst(byTimeDesc(arrived), list).slice(0, LIVE_CAP);
}

export function tailReducer(state: TailState, action: Action): TailState {
  switch (action.type) {
    case "arrive": {
      const outside = state.outside + (action.outside ?? 0);
      if (action.events.length === 0) return outside === state.outside ? state : { ...state, outside };
      if (state.paused) return { ...state, outside, pending: insert(state.pending, action.events) };
      return { ...state, outside, events: insert(state.events, action.events) };
    }
    case "dropped":
      return { ...state, dropped: state.dropped + action.count };
    case "error":
      return { ...state, error: action.message };
    case "subscribed":
      return state.error ? { ...state, error: null } : state;
    case "pause":
      return state.paused ? state : { ...state, paused: true };
    case "resume":
      return { ...state, paused: false, events: insert(state.events, state.pending), pending: [] };
    case "reset":
      return EMPTY_TAIL;
  }
}

export interface LiveTail extends TailState {
  status: LiveStatus;
  pause: () => void;
  resume: () => void;
}

/**
 * Tails `filter` while `enabled`; events outside `severities` (when any are
 * chosen) are ignored, and those stamped outside `range` (checked as they
 * arrive, a preset reaching back from that moment) are only counted.
 */
export function useLiveTail(enabled: boolean, filter: string, severities: readonly Severity[], range: TimeRange): LiveTail {
  const [state, dispatch] = useReducer(tailReducer, EMPTY_TAIL);
  const batch = useRef<SecurityEvent[]>([]);
  const outside = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const sevKey = severities.join(",");
  const rangeKey = JSON.stringify(range);
  // The same range while its value is: a new object each render must not resubscribe.
  const stableRange = useMemo(() => JSON.parse(rangeKey) as TimeRange, [rangeKey]);

  // A new search, or live mode switched off or on: start afresh.
  useEffect(() => {
    dispatch({ type: "reset" });
    batch.current = [];
    outside.current = 0;
    clearTimeout(timer.current);
    timer.current = undefined;
  }, [enabled, filter, sevKey, rangeKey]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onMessage = useCallback(
    (msg: LiveMessage) => {
      if (msg.channel === "system") {
        if (msg.type === "dropped") {
          const count = (msg.data as { count?: unknown } | null)?.count;
          if (typeof count === "number" && count > 0) dispatch({ type: "dropped", count });
        } else if (msg.type === "error") {
          const message = (msg.data as { message?: unknown } | null)?.message;
          dispatch({ type: "error", message: typeof message === "string" ? message : "The server refused the live subscription." });
        } else if (msg.type === "subscribed") {
          dispatch({ type: "subscribed" });
        }
        return;
      }
      if (msg.channel !== "security:events" || msg.type !== "event") return;
      const ev = msg.data as SecurityEvent | null;
      if (!ev || typeof ev.id !== "string") return;
      if (sevKey !== "" && !sevKey.split(",").includes(ev.severity_label)) return;
      if (inRange(ev["@timestamp"], stableRange, Date.now())) batch.current.push(ev);
      else outside.current++;
      if (timer.current === undefined) {
        timer.current = setTimeout(() => {
          timer.current = undefined;
          const events = batch.current;
          const out = outside.current;
          batch.current = [];
          outside.current = 0;
          if (events.length > 0 || out > 0) dispatch({ type: "arrive", events, outside: out });
        }, FLUSH_MS);
      }
    },
    [sevKey, stableRange],
  );

  const status = useLive(["security:events"], filter, enabled, onMessage);
  const pause = useCallback(() => dispatch({ type: "pause" }), []);
  const resume = useCallback(() => dispatch({ type: "resume" }), []);
  return { ...state, status, pause, resume };
}
