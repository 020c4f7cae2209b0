import { forEachDiagnostic } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { KqlHistoryItem, KqlResult, KqlRunRequest, SavedQuery } from "../api/hunting";
import { SCHEMA, makeResult, makeSaved } from "../test/hunting";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import HuntingPage from "./HuntingPage";
import { EXAMPLE_QUERY } from "./huntState";

afterEach(() => vi.unstubAllGlobals());

interface Options {
  run?: (req: KqlRunRequest) => Response | Promise<Response>;
  history?: KqlHistoryItem[];
  saved?: SavedQuery[];
}

/** The hunting endpoints as the server answers them, with saved queries kept in memory. */
function server({ run = () => json(200, makeResult()), history = [], saved = [] }: Options = {}) {
  let items = [...saved];
  const stub = stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const path = url.pathname;
    if (path === "/api/v1/search/kql" && call.method === "POST") return run(call.body as KqlRunRequest);
    if (path === "/api/v1/search/kql/check") {
      const q = (call.body as { query: string }).query;
      const at = q.indexOf("BROKEN");
      if (at < 0) return json(200, { valid: true, errors: [] });
      const before = q.slice(0, at).split("\n");
      return json(200, {
        valid: false,
        errors: [{ code: "kql_semantic", message: "unknown column 'BROKEN' in table SecurityEvent", line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }],
      });
    }
    if (path === "/api/v1/search/kql/schema") return json(200, SCHEMA);
    if (path === "/api/v1/search/kql/history") return json(200, { items: history });
    if (path === "/api/v1/search/kql/saved" && call.method === "GET") return json(200, { items });
    if (path === "/api/v1/search/kql/saved" && call.method === "POST") {
      const body = call.body as { name: string; description: string; query: string };
      if (items.some((q) => q.name === body.name)) return json(409, { error: { code: "conflict", message: "a saved query with this name already exists", field: "name" } });
      const created = makeSaved({ id: `s-${items.length + 1}`, ...body, created_by_email: "admin@example.test" });
      items = [...items, created];
      return json(201, created);
    }
    const one = /^\/api\/v1\/search\/kql\/saved\/(.+)$/.exec(path);
    if (one && call.method === "PUT") {
      const updated = { ...(items.find((q) => q.id === one[1]) as SavedQuery), ...(call.body as object), updated_at: "2026-11-23T12:00:00Z" };
      items = items.map((q) => (q.id === one[1] ? updated : q));
      return json(200, updated);
    }
    if (one && call.method === "DELETE") {
      items = items.filter((q) => q.id !== one[1]);
      return new Response(null, { status: 204 });
    }
    return json(404, { error: { code: "not_found", message: `no ${call.method} ${path}` } });
  });
  return { ...stub, runs: () => stub.calls.filter((c) => c.url === "/api/v1/search/kql").map((c) => c.body as KqlRunRequest) };
}

function renderPage(route = "/hunting", me = makeMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/hunting" element={<HuntingPage />} />
    </Routes>,
    { route, me },
  );
}

function editorView(): EditorView {
  const box = screen.getByRole("textbox", { name: "KQL query" });
  const view = EditorView.findFromDOM(box.closest(".cm-editor") as HTMLElement);
  if (!view) throw new Error("no editor");
  return view;
}

function setQuery(text: string) {
  act(() => {
    const v = editorView();
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  });
}

function markers() {
  const out: Array<{ from: number; to: number; message: string }> = [];
  forEachDiagnostic(editorView().state, (d, from, to) => out.push({ from, to, message: d.message }));
  return out;
}

// The check waits for typing to pause (400 ms); a busy machine needs more than waitFor's default second.
const SLOW = { timeout: 5000 };

/** jsdom's Blob has no text(): read it as a browser would. */
function readBlob(blob: Blob | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!blob) {
      reject(new Error("no blob"));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

const results = () => screen.getByRole("region", { name: "Results" });

describe("HuntingPage", () => {
  it("runs the seed's example with Run query: rows, column types, stats, the timeline per hour", async () => {
    const { runs } = server();
    const user = userEvent.setup();
    vi.spyOn(Date, "now").mockReturnValue(Date.parse("2026-11-23T10:30:00Z"));
    const { location } = renderPage();
    expect(screen.getByRole("heading", { level: 1, name: "Hunting" })).toBeInTheDocument();
    expect(editorView().state.doc.toString()).toBe(EXAMPLE_QUERY);
    expect(within(results()).getByText("Run a query to see its results here.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    const table = await within(results()).findByRole("table", { name: "Query results" });
    expect(runs()).toEqual([{ query: EXAMPLE_QUERY, from: "2026-11-22T10:30:00.000Z", to: "2026-11-23T10:30:00.000Z", limit: 100 }]);
    // Header: names and types; body: one line per row.
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Row", "TimeGenerated datetime", "Computer string", "EventID long", "EventData dynamic"]);
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(within(table).getAllByRole("row")[1]).toHaveTextContent("ws-7");
    expect(within(table).getByText("ws-7")).toBeInTheDocument();
    expect(within(table).getByText('{"TargetUserName":"root","LogonType":3,"Tags":["a","b"]}')).toBeInTheDocument();
    expect(within(results()).getByText(/^3 rows/).closest("[role=status]")).toHaveTextContent("3 rows · 42 ms · 1,200 scanned · last 24 hours");
    // The timeline: the last 24 hours by the hour, the rows in two of them.
    const timeline = within(results()).getByRole("figure", { name: "Rows per hour" });
    const bars = within(timeline).getAllByRole("img");
    expect(bars).toHaveLength(25);
    const counts = bars.map((b) => /: (\d+) rows?$/.exec(b.getAttribute("aria-label") ?? "")?.[1]);
    expect(counts.slice(-2)).toEqual(["2", "1"]);
    expect(counts.slice(0, -2).every((c) => c === "0")).toBe(true);
    // The run is in the URL.
    expect(location.search.get("q")).toBe(EXAMPLE_QUERY);
  });

  it("runs with Ctrl+Enter, with the chosen time range and limit", async () => {
    const now = Date.parse("2026-11-23T10:30:00Z");
    const { runs } = server({ run: () => json(200, makeResult()) });
    const user = userEvent.setup();
    vi.spyOn(Date, "now").mockReturnValue(now);
    const { location } = renderPage();
    await user.click(screen.getByRole("button", { name: "7 d" }));
    const limit = screen.getByRole("spinbutton", { name: "Limit" });
    await user.clear(limit);
    await user.type(limit, "600");
    expect(screen.getByText("1 to 500")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run query" })).toBeDisabled();
    await user.clear(limit);
    await user.type(limit, "250");
    setQuery("SecurityEvent | where EventID == 4625");
    await user.click(screen.getByRole("textbox", { name: "KQL query" }));
    await user.keyboard("{Control>}{Enter}{/Control}");
    await within(results()).findByRole("table", { name: "Query results" });
    expect(runs()).toEqual([{ query: "SecurityEvent | where EventID == 4625", from: "2026-11-16T10:30:00.000Z", to: "2026-11-23T10:30:00.000Z", limit: 250 }]);
    expect(editorView().state.doc.toString()).toBe("SecurityEvent | where EventID == 4625");
    // Ctrl+Enter outside the editor runs too (once).
    await user.click(limit);
    await user.keyboard("{Control>}{Enter}{/Control}");
    await vi.waitFor(() => expect(runs()).toHaveLength(2));
    expect([location.search.get("range"), location.search.get("limit")]).toEqual(["7d", "250"]);
    // Rows in the week's range: a bar per hour over the whole week.
    expect(within(results()).getByRole("group", { name: "Rows per hour, one bar per hour" }).childElementCount).toBe(7 * 24 + 1);
  });

  it("opens with the query, range and limit of its URL (the seed's /advanced-search links too)", async () => {
    const { runs } = server();
    renderPage("/hunting?q=Syslog%20%7C%20take%205&range=30d&limit=20");
    expect(editorView().state.doc.toString()).toBe("Syslog | take 5");
    expect(screen.getByRole("button", { name: "30 d" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("spinbutton", { name: "Limit" })).toHaveValue(20);
    // Nothing runs by itself.
    await new Promise((r) => setTimeout(r, 50));
    expect(runs()).toHaveLength(0);
  });

  it("shows the selected row in the JSON viewer, dynamic values as a tree", async () => {
    server();
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    await user.click(await screen.findByRole("button", { name: "Row 1 as JSON" }));
    expect(screen.getByRole("button", { name: "Row 1 as JSON" })).toHaveAttribute("aria-expanded", "true");
    const viewer = screen.getByRole("region", { name: "Row 1" });
    expect(within(viewer).getByText("Computer").nextSibling).toHaveTextContent('"ws-7"');
    expect(within(viewer).getByText("EventID").nextSibling).toHaveTextContent("4625");
    expect(within(viewer).getByText("TargetUserName").nextSibling).toHaveTextContent('"root"');
    expect(within(viewer).getByText("[2]")).toBeInTheDocument();
    expect(within(viewer).getByRole("button", { name: "Copy JSON" })).toBeInTheDocument();
    // Another row, by clicking anywhere on it: it opens below itself, the first one closes.
    await user.click(screen.getByText("web-1"));
    const third = screen.getByRole("region", { name: "Row 3" });
    expect(third).toHaveTextContent('"alice"');
    expect(third.closest("tr")?.previousElementSibling).toHaveTextContent("web-1");
    expect(screen.queryByRole("region", { name: "Row 1" })).not.toBeInTheDocument();
    await user.click(within(third).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("region", { name: /^Row / })).not.toBeInTheDocument();
    // The row's own button opens and closes it too.
    await user.click(screen.getByRole("button", { name: "Row 2 as JSON" }));
    expect(screen.getByRole("region", { name: "Row 2" })).toHaveTextContent("EventDatanull");
    await user.click(screen.getByRole("button", { name: "Row 2 as JSON" }));
    expect(screen.queryByRole("region", { name: "Row 2" })).not.toBeInTheDocument();
  });

  it("says plainly when the result was cut at the limit", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => [`2026-11-23T09:${String(i % 60).padStart(2, "0")}:00Z`, `h-${i}`, 1, null]);
    server({ run: () => json(200, makeResult({ rows, stats: { rows: 100, elapsed_ms: 5, scanned: 9000 }, truncated: true })) });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    expect(await within(results()).findByText(/^Truncated at 100 rows: the query returned more/)).toBeInTheDocument();
  });

  it("marks a refused run's error at its line and column, until the text changes", async () => {
    server({ run: () => json(400, { error: { code: "kql_syntax", message: "expected an expression after ==", field: "query", line: 2, column: 18 } }) });
    const user = userEvent.setup();
    renderPage();
    setQuery("SecurityEvent\n| where severity ==");
    await user.click(screen.getByRole("button", { name: "Run query" }));
    const alert = await within(results()).findByRole("alert");
    expect(alert).toHaveTextContent("Syntax error at line 2, column 18: expected an expression after ==");
    // The editor's lint layer takes the error a tick after the message shows.
    await vi.waitFor(() => expect(markers()).toEqual([{ from: 31, to: 32, message: "expected an expression after ==" }]), SLOW);
    const problems = screen.getByRole("list", { name: "Problems" });
    expect(problems).toHaveTextContent("2:18expected an expression after ==");
    await user.click(within(alert).getByRole("button", { name: "Show in the query" }));
    expect(editorView().state.selection.main.head).toBe(31);
    expect(screen.queryByRole("table", { name: "Query results" })).not.toBeInTheDocument();
    setQuery('SecurityEvent\n| where severity == "high"');
    await vi.waitFor(() => expect(markers()).toEqual([]), SLOW);
  });

  it("marks the problems the server finds while the query is typed", async () => {
    const { calls } = server();
    renderPage();
    setQuery("SecurityEvent\n| where BROKEN > 1");
    await vi.waitFor(() => expect(screen.getByText("1 problem")).toBeInTheDocument(), SLOW);
    expect(markers()).toEqual([{ from: 22, to: 28, message: "unknown column 'BROKEN' in table SecurityEvent" }]);
    expect(calls.filter((c: Call) => c.url === "/api/v1/search/kql/check").at(-1)?.body).toEqual({ query: "SecurityEvent\n| where BROKEN > 1" });
    setQuery("SecurityEvent | take 1");
    await vi.waitFor(() => expect(screen.getByText("Valid")).toBeInTheDocument(), SLOW);
    expect(markers()).toEqual([]);
  });

  it("says when the query timed out", async () => {
    server({ run: () => json(504, { error: { code: "query_timeout", message: "the query ran longer than the time limit: narrow the time range or add filters", field: "query" } }) });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    expect(await within(results()).findByRole("alert")).toHaveTextContent("The query timed out. the query ran longer than the time limit: narrow the time range or add filters");
  });

  it("tells an empty result, and draws no timeline without a datetime column", async () => {
    let answer: KqlResult = makeResult({ rows: [], stats: { rows: 0, elapsed_ms: 3, scanned: 0 } });
    server({ run: () => json(200, answer) });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    expect(await within(results()).findByText("The query returned no rows.")).toBeInTheDocument();
    answer = makeResult({ columns: [{ name: "Computer", type: "string" }, { name: "count_", type: "long" }], rows: [["ws-7", 12]] });
    await user.click(screen.getByRole("button", { name: "Run query" }));
    await within(results()).findByText("ws-7");
    expect(within(results()).queryByRole("region", { name: "Timeline" })).not.toBeInTheDocument();
  });

  it("cancels a running query", async () => {
    server({ run: () => new Promise<Response>(() => {}) });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    expect(within(results()).getByText("Running the query…")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Running…" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(await within(results()).findByText("The query was cancelled.")).toBeInTheDocument();
  });

  it("lists the schema, searchable, and types a name clicked into the query", async () => {
    server();
    const user = userEvent.setup();
    renderPage();
    const side = screen.getByRole("complementary", { name: "Schema, history and saved queries" });
    await within(side).findByRole("button", { name: "Insert table SecurityEvent" });
    setQuery("");
    await user.click(within(side).getByRole("button", { name: "Insert table SecurityEvent" }));
    expect(editorView().state.doc.toString()).toBe("SecurityEvent");
    await user.click(within(side).getByRole("button", { name: "Columns of Syslog" }));
    const columns = within(side).getByRole("list", { name: "Columns of Syslog" });
    expect(within(columns).getAllByRole("button").map((b) => b.getAttribute("aria-label"))).toEqual([
      "Insert column TimeGenerated (datetime)",
      "Insert column HostName (string)",
      "Insert column SyslogMessage (string)",
    ]);
    act(() => {
      const v = editorView();
      v.dispatch({ changes: { from: v.state.doc.length, insert: " | where " } });
      v.dispatch({ selection: { anchor: v.state.doc.length } });
    });
    await user.click(within(columns).getByRole("button", { name: "Insert column HostName (string)" }));
    expect(editorView().state.doc.toString()).toBe("SecurityEvent | where HostName");
    // A search shows matching tables, and the columns that match.
    await user.type(within(side).getByRole("searchbox", { name: "Search the schema" }), "eventid");
    expect(within(side).queryByRole("button", { name: "Insert table Syslog" })).not.toBeInTheDocument();
    expect(within(within(side).getByRole("list", { name: "Columns of SecurityEvent" })).getAllByRole("button")).toHaveLength(1);
  });

  it("puts a query from the history back in the editor", async () => {
    server({
      history: [
        { id: "h-2", query: "Syslog | where HostName == 'web-1'", ran_at: "2026-11-23T10:00:00Z", rows: 12, elapsed_ms: 1500, error: "" },
        { id: "h-1", query: "SecurityEvent | where Nope == 1", ran_at: "2026-11-23T09:00:00Z", rows: 0, elapsed_ms: 2, error: "unknown column 'Nope'" },
      ],
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("tab", { name: "History" }));
    const list = await screen.findByRole("list", { name: "Your recent queries" });
    const items = within(list).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("12 rows · 1.5 s");
    expect(items[1]).toHaveTextContent("Failed");
    expect(items[1]).toHaveTextContent("unknown column 'Nope'");
    await user.click(within(list).getByRole("button", { name: /Syslog \| where HostName/ }));
    expect(editorView().state.doc.toString()).toBe("Syslog | where HostName == 'web-1'");
  });

  it("saves the query for the organisation, opens, updates and deletes saved queries", async () => {
    const taken = makeSaved({ id: "s-1", name: "Failed logons" });
    const { calls } = server({ saved: [taken] });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("tab", { name: "Saved" }));
    const list = await screen.findByRole("list", { name: "Saved queries" });
    const item = within(list).getByRole("listitem", { name: "Failed logons" });
    expect(item).toHaveTextContent("4625 by host");
    expect(item).toHaveTextContent("ana@example.test");

    // Save as: a taken name is told at the field.
    setQuery("Syslog | take 10");
    await user.click(screen.getByRole("button", { name: "Save current query as…" }));
    let dialog = screen.getByRole("dialog", { name: "Save query" });
    expect(dialog).toHaveTextContent("Syslog | take 10");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(within(dialog).getByLabelText("Name")).toHaveAccessibleDescription("Give the query a name.");
    await user.type(within(dialog).getByLabelText("Name"), "Failed logons");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("a saved query with this name already exists")).toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "Syslog sample");
    await user.type(within(dialog).getByLabelText("Description"), "Ten lines");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved as “Syslog sample”, shared with your organisation.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST" && c.url === "/api/v1/search/kql/saved").at(-1)?.body).toEqual({ name: "Syslog sample", description: "Ten lines", query: "Syslog | take 10" });
    const mine = await within(list).findByRole("listitem", { name: "Syslog sample" });
    expect(mine).toHaveTextContent("in the editor");

    // Open another, change it, update it.
    await user.click(within(item).getByRole("button", { name: "Open Failed logons" }));
    expect(editorView().state.doc.toString()).toBe(taken.query);
    expect(screen.getByText(/^Saved query/)).toHaveTextContent("Saved query Failed logons");
    setQuery(`${taken.query} | take 5`);
    expect(screen.getByText(/^Saved query/)).toHaveTextContent("Saved query Failed logons (edited)");
    await user.click(within(item).getByRole("button", { name: "Update Failed logons" }));
    dialog = screen.getByRole("dialog", { name: "Update saved query" });
    expect(within(dialog).getByLabelText("Name")).toHaveValue("Failed logons");
    await user.click(within(dialog).getByRole("button", { name: "Update" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")).toMatchObject({
      url: "/api/v1/search/kql/saved/s-1",
      body: { name: "Failed logons", description: "4625 by host", query: `${taken.query} | take 5` },
    });

    // Delete, after asking.
    await user.click(within(list).getByRole("button", { name: "Delete Syslog sample" }));
    const confirm = screen.getByRole("dialog", { name: "Delete this saved query?" });
    expect(confirm).toHaveTextContent("Syslog sample is deleted for everyone in your organisation");
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    await vi.waitFor(() => expect(within(list).queryByRole("listitem", { name: "Syslog sample" })).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === "DELETE")?.url).toBe("/api/v1/search/kql/saved/s-2");
  });

  it("exports the rows as CSV and JSON, and every row by running again", async () => {
    const blobs: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return "blob:hunt";
    });
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { runs } = server({
      run: (req) => json(200, req.limit === 10_000 ? makeResult({ rows: [...makeResult().rows, ...makeResult().rows] }) : makeResult({ truncated: true })),
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(screen.getByRole("button", { name: "Run query" }));
    await within(results()).findByRole("table", { name: "Query results" });
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByText(/^Saved eventsec-hunting-\d{8}-\d{6}\.csv \(3 rows\)\.$/)).toBeInTheDocument();
    const csv = await readBlob(blobs[0]);
    expect(csv.split("\r\n")[0]).toBe("TimeGenerated,Computer,EventID,EventData");
    expect(csv.split("\r\n")[1]).toBe('2026-11-23T09:05:00Z,ws-7,4625,"{""TargetUserName"":""root"",""LogonType"":3,""Tags"":[""a"",""b""]}"');
    await user.click(screen.getByRole("button", { name: "Export JSON" }));
    await vi.waitFor(() => expect(blobs).toHaveLength(2));
    expect(JSON.parse(await readBlob(blobs[1]))).toHaveLength(3);
    // Every row: the same query and window, run again with the API's cap.
    await user.click(screen.getByRole("checkbox", { name: /^Every row/ }));
    await user.click(screen.getByRole("button", { name: "Export JSON" }));
    await vi.waitFor(() => expect(blobs).toHaveLength(3));
    expect(JSON.parse(await readBlob(blobs[2]))).toHaveLength(6);
    const [first, again] = runs();
    expect(again).toEqual({ ...first, limit: 10_000 });
    expect(click).toHaveBeenCalledTimes(3);
  });

  it("lets a viewer open the saved queries but not change them", async () => {
    server({ saved: [makeSaved({ id: "s-1", name: "Failed logons" })] });
    const user = userEvent.setup();
    renderPage("/hunting", makeMeAs("viewer"));
    expect(screen.queryByRole("button", { name: "Save query…" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: "Saved" }));
    const item = within(await screen.findByRole("list", { name: "Saved queries" })).getByRole("listitem", { name: "Failed logons" });
    expect(screen.getByText("View only: your role can open the saved queries, not change them.")).toBeInTheDocument();
    expect(within(item).getByRole("button", { name: "Open Failed logons" })).toBeInTheDocument();
    expect(within(item).queryByRole("button", { name: "Delete Failed logons" })).not.toBeInTheDocument();
    expect(within(item).queryByRole("button", { name: "Update Failed logons" })).not.toBeInTheDocument();
  });

  it("refuses a user without events:read, and asks the API for nothing", () => {
    const { calls } = server();
    renderPage("/hunting", makeMeAs("viewer", { permissions: ["self", "rules:read"] }));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Hunting (your role: viewer).");
    expect(calls).toHaveLength(0);
  });
});
