import { describe, expect, it } from "vitest";
import type { KqlColumn } from "../api/hunting";
import { makeResult } from "../test/hunting";
import { MAX_HOURLY_BARS, exportFilename, formatElapsed, rowObject, timeColumnIndex, timelineOf, toCsv, toJson, valueText } from "./results";

describe("timeColumnIndex", () => {
  it("takes TimeGenerated, else the first datetime column, else none", () => {
    const c = (name: string, type: string): KqlColumn => ({ name, type });
    expect(timeColumnIndex([c("Start", "datetime"), c("TimeGenerated", "datetime")])).toBe(1);
    expect(timeColumnIndex([c("TimeGenerated", "string"), c("Start", "datetime"), c("End", "datetime")])).toBe(1);
    expect(timeColumnIndex([c("Computer", "string"), c("count_", "long")])).toBe(-1);
  });
});

describe("timelineOf", () => {
  const rows = makeResult().rows;

  it("counts rows per hour, empty hours included", () => {
    const t = timelineOf([...rows, ["2026-11-23T12:59:59.999Z"], [null], ["not a time"]], 0);
    expect(t.stepMs).toBe(3600_000);
    expect(t.bars.map((b) => [b.start, b.count])).toEqual([
      ["2026-11-23T09:00:00.000Z", 2],
      ["2026-11-23T10:00:00.000Z", 1],
      ["2026-11-23T11:00:00.000Z", 0],
      ["2026-11-23T12:00:00.000Z", 1],
    ]);
    expect(t.bars[0]?.end).toBe("2026-11-23T10:00:00.000Z");
    expect(t.max).toBe(2);
    expect(t.counted).toBe(4);
  });

  it("spans the queried range when the rows are inside it", () => {
    const from = Date.parse("2026-11-23T06:30:00Z");
    const to = Date.parse("2026-11-23T11:30:00Z");
    const t = timelineOf(rows, 0, { from, to });
    expect(t.bars.map((b) => b.count)).toEqual([0, 0, 0, 2, 1, 0]);
    expect(t.bars[0]?.start).toBe("2026-11-23T06:00:00.000Z");
    // Rows outside the range (a query's own datetimes): the rows' span only.
    const outside = timelineOf([["2026-11-20T00:00:00Z"], ["2026-11-20T01:10:00Z"]], 0, { from, to });
    expect(outside.bars.map((b) => b.count)).toEqual([1, 1]);
  });

  it("draws a bar per day beyond a month of hours", () => {
    const t = timelineOf([["2026-01-01T10:00:00Z"], ["2026-03-01T10:00:00Z"], ["2026-03-01T23:00:00Z"]], 0);
    expect(t.stepMs).toBe(86400_000);
    expect(t.bars).toHaveLength(60);
    expect(t.bars[0]).toMatchObject({ start: "2026-01-01T00:00:00.000Z", count: 1 });
    expect(t.bars.at(-1)).toMatchObject({ start: "2026-03-01T00:00:00.000Z", count: 2 });
    expect(timelineOf([["2026-01-01T00:00:00Z"], [new Date(Date.parse("2026-01-01T00:00:00Z") + (MAX_HOURLY_BARS - 1) * 3600_000).toISOString()]], 0).stepMs).toBe(3600_000);
  });

  it("keeps decades to a drawable number of bars", () => {
    const t = timelineOf([["1970-01-01T00:00:00Z"], ["2026-01-01T00:00:00Z"]], 0);
    expect(t.bars.length).toBeLessThanOrEqual(2000);
    expect(t.bars.reduce((n, b) => n + b.count, 0)).toBe(2);
  });

  it("has no bars without times", () => {
    expect(timelineOf([[null], ["x"]], 0)).toMatchObject({ bars: [], counted: 0 });
  });
});

describe("export", () => {
  const columns: KqlColumn[] = [
    { name: "Computer", type: "string" },
    { name: "EventID", type: "long" },
    { name: "EventData", type: "dynamic" },
    { name: "ok", type: "bool" },
  ];

  it("writes RFC 4180 CSV: header, CRLF, quoting, dynamic as JSON, null empty", () => {
    const csv = toCsv(columns, [
      ["ws-7", 4625, { user: "root", tags: ["a", "b"] }, true],
      ['say "hi", then\nleave', -1, null, false],
      [" padded ", null, [1, 2], null],
    ]);
    expect(csv).toBe(
      "Computer,EventID,EventData,ok\r\n" +
        'ws-7,4625,"{""user"":""root"",""tags"":[""a"",""b""]}",true\r\n' +
        '"say ""hi"", then\nleave",-1,,false\r\n' +
        '" padded ",,"[1,2]",\r\n',
    );
  });

  it("defuses spreadsheet formulas in string cells, not in numbers", () => {
    const csv = toCsv(
      [
        { name: "s", type: "string" },
        { name: "n", type: "long" },
      ],
      [
        ["=HYPERLINK(\"http://x\")", -5],
        ["+1", 1],
        ["@SUM(A1)", 2],
        ["-cmd", 3],
      ],
    );
    expect(csv.split("\r\n").slice(1, 5)).toEqual(['"\'=HYPERLINK(""http://x"")",-5', "'+1,1", "'@SUM(A1),2", "'-cmd,3"]);
  });

  it("writes JSON as an array of objects, one row a line", () => {
    const json = toJson(columns, [
      ["ws-7", 4625, { user: "root" }, true],
      ["ws-8", null, null, false],
    ]);
    expect(JSON.parse(json)).toEqual([
      { Computer: "ws-7", EventID: 4625, EventData: { user: "root" }, ok: true },
      { Computer: "ws-8", EventID: null, EventData: null, ok: false },
    ]);
    expect(json.split("\n")).toHaveLength(5);
    expect(toJson(columns, [])).toBe("[]\n");
  });

  it("names files by the time and turns rows into objects", () => {
    expect(exportFilename("csv", new Date(2026, 10, 23, 9, 5, 7))).toBe("eventsec-hunting-20261123-090507.csv");
    expect(rowObject(columns, ["a"])).toEqual({ Computer: "a", EventID: null, EventData: null, ok: null });
  });
});

describe("values", () => {
  it("shows values as text", () => {
    expect(valueText(null)).toBe("");
    expect(valueText({ a: [1, "x"] })).toBe('{"a":[1,"x"]}');
    expect(valueText(4625)).toBe("4625");
    expect(valueText(false)).toBe("false");
    expect(valueText("01:00:00")).toBe("01:00:00");
    expect(formatElapsed(340)).toBe("340 ms");
    expect(formatElapsed(1234)).toBe("1.2 s");
  });
});
