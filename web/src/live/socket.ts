// The live channels of GET /api/v1/ws. The socket is same-origin and
// authenticated by the session cookie; before every reconnect the session is
// checked over HTTP (GET /api/v1/me), which refreshes an expired access
// cookie, so a socket that dropped after 15 minutes comes back signed in.

import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { LiveMessage } from "../api/types";

export type LiveStatus = "connecting" | "open" | "closed";

export interface LiveOptions {
  channels: readonly string[];
  /** Search syntax applied by the server to event-like messages. */
  filter?: string;
  onMessage: (msg: LiveMessage) => void;
  onStatus?: (status: LiveStatus) => void;
}

export function liveURL(loc: Pick<Location, "protocol" | "host"> = window.location): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/api/v1/ws`;
}

const BACKOFF_MS = [1000, 2000, 5000, 10000];

function parse(data: unknown): LiveMessage | null {
  if (typeof data !== "string") return null;
  try {
    const msg = JSON.parse(data) as Partial<LiveMessage>;
    if (typeof msg.channel === "string" && typeof msg.type === "string") return { channel: msg.channel, type: msg.type, data: msg.data };
  } catch {
    // Not JSON: not ours.
  }
  return null;
}

/** One subscription, reconnecting with back-off until stopped. */
export class LiveConnection {
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly opts: LiveOptions;

  constructor(opts: LiveOptions) {
    this.opts = opts;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      // 0 CONNECTING, 1 OPEN
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(1000);
    }
  }

  private connect(): void {
    if (this.stopped) return;
    this.opts.onStatus?.("connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket(liveURL());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      const msg: Record<string, unknown> = { type: "subscribe", channels: this.opts.channels };
      if (this.opts.filter) msg.filter = this.opts.filter;
      ws.send(JSON.stringify(msg));
      this.opts.onStatus?.("open");
    };
    ws.onmessage = (e: MessageEvent) => {
      const msg = parse(e.data);
      if (msg) this.opts.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.opts.onStatus?.("closed");
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 10000;
    this.attempt++;
    this.timer = setTimeout(() => {
      // Refreshes the access cookie when it expired; a lost session sends the
      // browser to the login page through the API client.
      api.me().then(
        () => this.connect(),
        () => this.retry(),
      );
    }, delay);
  }
}

/**
 * Subscribes to `channels` while `enabled`; `onMessage` sees every message
 * (it may change between renders without resubscribing). A new filter or
 * channel list resubscribes on a new socket.
 */
export function useLive(channels: readonly string[], filter: string, enabled: boolean, onMessage: (msg: LiveMessage) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>("closed");
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const key = channels.join(",");
  useEffect(() => {
    if (!enabled) {
      setStatus("closed");
      return;
    }
    const conn = new LiveConnection({
      channels: key.split(","),
      filter,
      onMessage: (m) => handler.current(m),
      onStatus: setStatus,
    });
    conn.start();
    return () => conn.stop();
  }, [key, filter, enabled]);
  return status;
}
