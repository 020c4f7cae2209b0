import { describe, expect, it } from "vitest";
import { BlobAccumulator, filenameOf } from "./exportDownload";

// jsdom's Blob has no text().
function textOf(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error);
    r.readAsText(blob);
  });
}

describe("BlobAccumulator", () => {
  it("never holds more than the fold size in JavaScript memory, and the blob is the whole download in order", async () => {
    const acc = new BlobAccumulator("application/x-ndjson", 1000);
    let most = 0;
    const want: string[] = [];
    for (let i = 0; i < 500; i++) {
      const line = `{"n":${i},"pad":"${"x".repeat(i % 37)}"}\n`;
      want.push(line);
      acc.add(new TextEncoder().encode(line));
      most = Math.max(most, acc.held());
    }
    const blob = acc.blob();
    expect(most).toBeLessThan(1000 + 64);
    expect(acc.held()).toBe(0);
    expect(blob.size).toBe(acc.bytes);
    expect(blob.type).toBe("application/x-ndjson");
    expect(await textOf(blob)).toBe(want.join(""));
  });

  it("gives an empty file for an empty download", async () => {
    const acc = new BlobAccumulator("text/csv");
    expect(acc.blob().size).toBe(0);
    expect(acc.bytes).toBe(0);
  });
});

describe("filenameOf", () => {
  it("reads the plain and the RFC 5987 forms, and never a path", () => {
    expect(filenameOf('attachment; filename="eventsec-events-20261124.csv"')).toBe("eventsec-events-20261124.csv");
    expect(filenameOf("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.ndjson")).toBe("résumé.ndjson");
    expect(filenameOf('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(filenameOf(null)).toBeNull();
  });
});
