// Exports are POSTs (the search travels in the body, with the CSRF header),
// so they go through the API client rather than a plain link. The body is
// read as it streams in, with progress, and handed to the browser as a file.

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

export async function downloadExport(req: ExportRequest, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<Downloaded> {
  const res = await api.exportEvents(req, signal);
  const filename = filenameOf(res.headers.get("Content-Disposition")) ?? `eventsec-events.${req.format}`;
  const type = res.headers.get("Content-Type") ?? "application/octet-stream";
  const chunks: BlobPart[] = [];
  let bytes = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      onProgress(bytes);
    }
  } else {
    const buf = await res.arrayBuffer();
    chunks.push(buf);
    bytes = buf.byteLength;
    onProgress(bytes);
  }
  // Chromium keeps large blobs on disk, not in memory.
  const blob = new Blob(chunks, { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { filename, bytes };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
