// Live mode of the Events page: new events matching the search arrive over
// the WebSocket (channel security:events, the query as the server-side
// filter) and are put on top of the list. Arrivals are applied at most five
// times a second, so a busy feed re-renders the page in batches, not per
// event. While paused (the reader scrolled down or opened an event) they
// wait in `pending` and the list stands still.

import { useCallback, useEffect, useReducer, useRef } from "react";
import type { LiveMessage, SecurityEvent, Severity } from "../api/types";
import { useLive, type LiveStatus } from "../live/socket";

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
  paused: boolean;
  /** The server's refusal of the filter, e.g. a syntax error. */
  error: string | null;
}

type Action =
  | { type: "arrive"; events: SecurityEvent[] }
  | { type: "dropped"; count: number }
  | { type: "error"; message: string }
  | { type: "subscribed" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "reset" };

export const EMPTY_TAIL: TailState = { events: [], pending: [], dropped: 0, paused: false, error: null };

function prepend(list: SecurityEvent[], newest: SecurityEvent[]): SecurityEvent[] {
  const seen = new Set(newest.map((e) => e.id));
  return [...newest, ...list.filter((e) => !seen.has(e.id))].slice(0, LIVE_CAP);
}

export function tailReducer(state: TailState, action: Action): TailState {
  switch (action.type) {
    case "arrive":
      if (state.paused) return { ...state, pending: prepend(state.pending, action.events) };
      return { ...state, events: prepend(state.events, action.events) };
    case "dropped":
      return { ...state, dropped: state.dropped + action.count };
    case "error":
      return { ...state, error: action.message };
    case "subscribed":
      return state.error ? { ...state, error: null } : state;
    case "pause":
      return state.paused ? state : { ...state, paused: true };
    case "resume":
      return { ...state, paused: false, events: prepend(state.events, state.pending), pending: [] };
    case "reset":
      return EMPTY_TAIL;
  }
}

export interface LiveTail extends TailState {
  status: LiveStatus;
  pause: () => void;
  resume: () => void;
}

/** Tails `filter` while `enabled`; events outside `severities` (when any are chosen) are ignored. */
export function useLiveTail(enabled: boolean, filter: string, severities: readonly Severity[]): LiveTail {
  const [state, dispatch] = useReducer(tailReducer, EMPTY_TAIL);
  const batch = useRef<SecurityEvent[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const sevKey = severities.join(",");

  // A new search, or live mode switched off or on: start afresh.
  useEffect(() => {
    dispatch({ type: "reset" });
    batch.current = [];
    clearTimeout(timer.current);
    timer.current = undefined;
  }, [enabled, filter, sevKey]);
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
      // Newest first within the batch too.
      batch.current.unshift(ev);
      if (timer.current === undefined) {
        timer.current = setTimeout(() => {
          timer.current = undefined;
          const events = batch.current;
          batch.current = [];
          if (events.length > 0) dispatch({ type: "arrive", events });
        }, FLUSH_MS);
      }
    },
    [sevKey],
  );

  const status = useLive(["security:events"], filter, enabled, onMessage);
  const pause = useCallback(() => dispatch({ type: "pause" }), []);
  const resume = useCallback(() => dispatch({ type: "resume" }), []);
  return { ...state, status, pause, resume };
}
