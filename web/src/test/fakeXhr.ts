// A stand-in for XMLHttpRequest in unit tests (uploads with progress):
// records what the page sent, and lets a test play the upload and the answer.

import { vi } from "vitest";

export class FakeXHR {
  static instances: FakeXHR[] = [];

  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  statusText = "";
  responseText = "";
  withCredentials = false;
  aborted = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor() {
    FakeXHR.instances.push(this);
  }

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  send(body: unknown): void {
    this.body = body;
  }

  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }

  /** The browser reports `loaded` of `total` bytes sent. */
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }

  /** The server answers. */
  respond(status: number, body: unknown): void {
    this.status = status;
    this.statusText = status === 200 ? "OK" : "";
    this.responseText = body === undefined ? "" : JSON.stringify(body);
    this.onload?.();
  }

  static latest(): FakeXHR {
    const x = FakeXHR.instances[FakeXHR.instances.length - 1];
    if (!x) throw new Error("no XMLHttpRequest was made");
    return x;
  }
}

export function installFakeXHR(): typeof FakeXHR {
  FakeXHR.instances = [];
  vi.stubGlobal("XMLHttpRequest", FakeXHR);
  return FakeXHR;
}
