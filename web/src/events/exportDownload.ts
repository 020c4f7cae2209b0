// Exports are POSTs (the search travels in the body, with the CSRF header),
// so they go through the API client rather than a plain link. The body is
// read as it streams in, with progress, folded into the browser's blob
// storage as it goes (so a file of any size never sits in JavaScript
// memory whole), and handed to the browser as a file.

import { api } from "../api/client";
import type { ExportFormat, ExportRequest } from "../api/types";

export const FORMAT_LABELS: Record<ExportFormat, string> = { ndjson: "NDJSON", csv: "CSV", parquet: "Parquet" };

/** The file name of a Content-Disposition header, or null. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(disposition);
  const name = (plain?.[1] ?? plain?.[2] ?? "").trim();
  // Never a path: the browser would strip it, but a name is all we want.
  return name ? (name.split(/[\\/]/).pop() ?? null) : null;
}

export interface Downloaded {
  filename: string;
  bytes: number;
}

/**
 * Collects a download's chunks into a Blob without holding the whole file
 * in JavaScript memory: every `foldBytes` the chunks read so far become one
 * Blob, which the browser keeps in its own blob storage (Chromium pages
 * large blobs to disk), and the chunks can be collected.
 */
export class BlobAccumulator {
  private parts: BlobPart[] = [];
  private pending = 0;
  bytes = 0;

  constructor(
    private readonly type: string,
    private readonly foldBytes = 32 * 1024 * 1024,
  ) {}

  add(chunk: Uint8Array<ArrayBuffer> | ArrayBuffer): void {
    this.parts.push(chunk);
    this.pending += chunk.byteLength;
    this.bytes += chunk.byteLength;
    if (this.pending >= this.foldBytes) this.fold();
  }

  /** Bytes read but not yet handed to the browser's blob storage. */
  held(): number {
    return this.pending;
  }

  blob(): Blob {
    this.fold();
    return (this.parts[0] as Blob | undefined) ?? new Blob([], { type: this.type });
  }

  private fold(): void {
    this.parts = [new Blob(this.parts, { type: this.type })];
    this.pending = 0;
  }
}

export async function downloadExport(req: ExportRequest, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<Downloaded> {
  return saveDownload(await api.exportEvents(req, signal), `eventsec-events.${req.format}`, onProgress);
}

/**
 * Reads a download's body as it streams in and hands it to the browser as
 * a file, named by its Content-Disposition (else `fallback`). Any API
 * response that is a file (event or rule exports) goes through here, so it
 * was fetched with the session and CSRF handling of the API client.
 */
export async function saveDownload(res: Response, fallback: string, onProgress: (bytes: number) => void = () => {}): Promise<Downloaded> {
  const filename = filenameOf(res.headers.get("Content-Disposition")) ?? fallback;
  const type = res.headers.get("Content-Type") ?? "application/octet-stream";
  const acc = new BlobAccumulator(type);
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      acc.add(value);
      onProgress(acc.bytes);
    }
  } else {
    acc.add(await res.arrayBuffer());
    onProgress(acc.bytes);
  }
  const url = URL.createObjectURL(acc.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { filename, bytes: acc.bytes };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
