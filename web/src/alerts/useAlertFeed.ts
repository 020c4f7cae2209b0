// Alerts as they happen, over the WebSocket's `alerts` channel. A new alert
// goes on top of the queue at once while the reader is at the top of an
// unfiltered queue; otherwise it waits, counted in a "N new alerts" pill,
// so that the rows do not move under the reader. A changed alert (a repeat
// folded in, a new status) is updated where it is shown.

import { useCallback, useEffect, useReducer } from "react";
import type { Alert } from "../api/detection";
import type { LiveMessage } from "../api/types";
import { useLive, type LiveStatus } from "../live/socket";

/** The most alerts kept on top of the fetched ones (and waiting). */
export const FEED_CAP = 500;

export interface FeedState {
  /** Arrived live and shown, newest first. */
  live: Alert[];
  /** Arrived while the reader scrolled or filtered, newest first. */
  pending: Alert[];
  /** Whether any pending alert may not match the filters (only the server can tell). */
  pendingUnsure: boolean;
  /** The latest version of alerts that changed, by id. */
  updates: Record<string, Alert>;
  /** Ids to mark as just arrived or changed. */
  fresh: Record<string, true>;
}

export const EMPTY_FEED: FeedState = { live: [], pending: [], pendingUnsure: false, updates: {}, fresh: {} };

export type FeedAction =
  | { type: "created"; alert: Alert; show: boolean; unsure: boolean }
  | { type: "updated"; alert: Alert }
  | { type: "release" }
  | { type: "reset" };

function put(list: Alert[], a: Alert): Alert[] {
  return [a, ...list.filter((x) => x.id !== a.id)].slice(0, FEED_CAP);
}

export function feedReducer(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case "created":
      if (action.show) return { ...state, live: put(state.live, action.alert), fresh: { ...state.fresh, [action.alert.id]: true } };
      return { ...state, pending: put(state.pending, action.alert), pendingUnsure: state.pendingUnsure || action.unsure };
    case "updated": {
      const a = action.alert;
      return {
        ...state,
        live: state.live.map((x) => (x.id === a.id ? a : x)),
        pending: state.pending.map((x) => (x.id === a.id ? a : x)),
        updates: { ...state.updates, [a.id]: a },
        fresh: { ...state.fresh, [a.id]: true },
      };
    }
    case "release": {
      const fresh = { ...state.fresh };
      for (const a of state.pending) fresh[a.id] = true;
      let live = state.live;
      for (const a of [...state.pending].reverse()) live = put(live, a);
      return { ...state, live, pending: [], pendingUnsure: false, fresh };
    }
    case "reset":
      return EMPTY_FEED;
  }
}

export interface AlertFeed extends FeedState {
  status: LiveStatus;
  /** Shows the waiting alerts on top. */
  release: () => void;
  /** Forgets everything (a new search, or a reload from the server). */
  reset: () => void;
  /** Records a change made here (e.g. a status set from a row). */
  update: (a: Alert) => void;
}

/**
 * Follows the `alerts` channel while `enabled`. `decide` says, for a new
 * alert, whether it belongs in the queue (false: ignored) and whether to
 * show it at once.
 */
export function useAlertFeed(enabled: boolean, decide: (a: Alert) => { belongs: boolean; show: boolean; unsure: boolean }, onAny?: () => void): AlertFeed {
  const [state, dispatch] = useReducer(feedReducer, EMPTY_FEED);
  const onMessage = useCallback(
    (msg: LiveMessage) => {
      if (msg.channel !== "alerts") return;
      const a = msg.data as Alert | null;
      if (!a || typeof a.id !== "string") return;
      if (msg.type === "alert") {
        const d = decide(a);
        if (d.belongs) dispatch({ type: "created", alert: a, show: d.show, unsure: d.unsure });
      } else if (msg.type === "alert_updated") {
        dispatch({ type: "updated", alert: a });
      } else return;
      onAny?.();
    },
    [decide, onAny],
  );
  const status = useLive(["alerts"], "", enabled, onMessage);
  const release = useCallback(() => dispatch({ type: "release" }), []);
  const reset = useCallback(() => dispatch({ type: "reset" }), []);
  const update = useCallback((a: Alert) => dispatch({ type: "updated", alert: a }), []);
  useEffect(() => {
    if (!enabled) dispatch({ type: "reset" });
  }, [enabled]);
  return { ...state, status, release, reset, update };
}
