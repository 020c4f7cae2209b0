import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RuleList } from "../api/detection";
import { makeRule, makeRuleList } from "../test/detection";
import { installFakeXHR } from "../test/fakeXhr";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import { RulesLayout } from "./RulesLayout";
import { RulesListPage } from "./RulesListPage";

afterEach(() => vi.unstubAllGlobals());

const ps = makeRule({ id: "r-ps" });
const brute = makeRule({
  id: "r-brute",
  title: "Brute Force Detection",
  format: "json",
  kind: "threshold",
  level: "medium",
  status: "",
  pack: "custom",
  enabled: false,
  logsource: { product: "", category: "", service: "" },
  attack: { tactics: [{ id: "TA0006", name: "Credential Access", shortname: "credential-access" }], techniques: [{ id: "T1110", name: "Brute Force" }] },
  stats: { matches: 0, alerts: 0, eval_ns_per_event: 0, eval_samples: 0, last_match_at: null },
});

function server(list: (url: URL) => RuleList = () => makeRuleList([ps, brute]), more: (call: Call, url: URL) => Response | undefined = () => undefined) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const other = more(call, url);
    if (other) return other;
    if (url.pathname === "/api/v1/rules" && call.method === "GET") return json(200, list(url));
    return json(404, { error: { code: "not_found", message: "no such thing" } });
  });
}

function renderRules(route = "/rules", me = makeMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/rules" element={<RulesLayout />}>
        <Route index element={<RulesListPage />} />
      </Route>
      <Route path="/rules/new" element={<h1>Editor</h1>} />
    </Routes>,
    { route, me },
  );
}

const listCalls = (calls: Call[]) =>
  calls
    .map((c) => ({ method: c.method, url: new URL(c.url, "http://localhost") }))
    .filter((c) => c.method === "GET" && c.url.pathname === "/api/v1/rules")
    .map((c) => c.url.searchParams);

describe("RulesListPage", () => {
  it("shows each rule's sampled cost per event, and the rules that cannot run with why", async () => {
    const cdc = makeRule({
      id: "r-cdc",
      title: "ADCS CDC chase",
      runnable: false,
      problem: "not runnable: placeholder %known_cdcs% has no values in this org",
      stats: { matches: 0, alerts: 0, eval_ns_per_event: 0, eval_samples: 0, last_match_at: null },
    });
    const never = makeRule({ id: "r-never", title: "Never a candidate", stats: { matches: 0, alerts: 0, eval_ns_per_event: 0, eval_samples: 12, last_match_at: null } });
    const { calls } = server((url) => (url.searchParams.get("runnable") === "false" ? makeRuleList([cdc]) : makeRuleList([ps, cdc, never])));
    const user = userEvent.setup();
    const { location } = renderRules();
    const table = await screen.findByRole("table", { name: "Detection rules" });
    expect(within(table).getByRole("columnheader", { name: "Time/event (sampled)" })).toBeInTheDocument();
    const [, first, second, third] = within(table).getAllByRole("row") as HTMLElement[];
    // 410 ns over 96 sampled events.
    expect(within(first as HTMLElement).getByText("410 ns")).toHaveAttribute("title", "over 96 sampled events");
    expect(within(first as HTMLElement).queryByRole("note")).not.toBeInTheDocument();
    expect(within(second as HTMLElement).getByRole("note")).toHaveTextContent("Not runnable placeholder %known_cdcs% has no values in this org");
    expect(within(second as HTMLElement).getByTitle("not sampled yet")).toHaveTextContent("—");
    // Sampled, but never one it could apply to: no figure, and why.
    expect(within(third as HTMLElement).getByTitle(/^not measured: none of the 12 sampled events was one it could apply to/)).toHaveTextContent("—");

    await user.click(screen.getByRole("checkbox", { name: "Only rules that cannot run" }));
    await vi.waitFor(() => expect(listCalls(calls).at(-1)?.get("runnable")).toBe("false"));
    expect(location.search.get("runnable")).toBe("false");
    await vi.waitFor(() => expect(within(screen.getByRole("table", { name: "Detection rules" })).getAllByRole("row")).toHaveLength(2));
  });

  it("lists the rules with level, ATT&CK techniques by name, log source, pack and counts", async () => {
    server();
    renderRules();
    const table = await screen.findByRole("table", { name: "Detection rules" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const first = rows[1] as HTMLElement;
    expect(within(first).getByRole("link", { name: "Suspicious PowerShell download cradle" })).toHaveAttribute("href", "/rules/r-ps");
    expect(within(first).getByText("High")).toBeInTheDocument();
    expect(within(first).getByText("Command and Scripting Interpreter: PowerShell")).toBeInTheDocument();
    expect(within(first).getByText("T1059.001")).toBeInTheDocument();
    expect(within(first).getByText("windows / process_creation")).toBeInTheDocument();
    expect(within(first).getByRole("link", { name: "3" })).toHaveAttribute("href", "/alerts?rule=r-ps");
    expect(within(first).getByRole("switch", { name: "Enabled: Suspicious PowerShell download cradle" })).toHaveAttribute("aria-checked", "true");
    const second = rows[2] as HTMLElement;
    expect(within(second).getByRole("switch", { name: "Enabled: Brute Force Detection" })).toHaveAttribute("aria-checked", "false");
    expect(within(second).getByText("any")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("1–2 of 2 rules");
    expect(screen.getByRole("link", { name: "New rule" })).toHaveAttribute("href", "/rules/new");
  });

  it("offers the facets as filters and keeps the choice in the URL and the query", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderRules("/rules?technique=T1059.001");
    await screen.findByRole("table", { name: "Detection rules" });
    expect(listCalls(calls)[0]?.get("technique")).toBe("T1059.001");
    expect(screen.getByText(/Technique/, { selector: ".filter-chip" })).toHaveTextContent("Technique T1059.001 Command and Scripting Interpreter: PowerShell");
    expect(screen.getByRole("combobox", { name: "Technique" })).toHaveValue("T1059.001");

    const level = screen.getByRole("combobox", { name: "Level" });
    expect(within(level).getAllByRole("option").map((o) => o.textContent)).toEqual(["All", "Medium (1)", "High (2)"]);
    const tactic = screen.getByRole("combobox", { name: "Tactic" });
    expect(within(tactic).getByRole("option", { name: "Credential access (1)" })).toBeInTheDocument();
    await user.selectOptions(level, "high");
    expect(location.search.get("level")).toBe("high");
    await user.selectOptions(screen.getByRole("combobox", { name: "Enabled" }), "false");
    expect(location.search.get("enabled")).toBe("false");
    await vi.waitFor(() => {
      const last = listCalls(calls).at(-1);
      expect(last?.get("level")).toBe("high");
      expect(last?.get("enabled")).toBe("false");
      expect(last?.get("technique")).toBe("T1059.001");
      expect(last?.get("limit")).toBe("50");
      expect(last?.get("offset")).toBe("0");
    });
    await user.click(screen.getByRole("button", { name: "Remove the technique filter T1059.001" }));
    expect(location.search.get("technique")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Clear search and filters" }));
    expect(location.search.toString()).toBe("");
  });

  it("filters by a technique typed in its field: an ID, a name, or a suggestion", async () => {
    const coverage = {
      techniques_total: 3,
      techniques_covered: 2,
      tactics: [
        {
          id: "TA0006",
          shortname: "credential-access",
          name: "Credential Access",
          techniques: [
            { id: "T1003", name: "OS Credential Dumping", rules: 1, enabled: 1 },
            { id: "T1110", name: "Brute Force", rules: 1, enabled: 1 },
          ],
        },
        { id: "TA0002", shortname: "execution", name: "Execution", techniques: [{ id: "T1059", name: "Command and Scripting Interpreter", rules: 1, enabled: 1 }] },
      ],
    };
    const { calls } = server(undefined, (_, url) => (url.pathname === "/api/v1/rules/coverage" ? json(200, coverage) : undefined));
    const user = userEvent.setup();
    const { location } = renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    const field = screen.getByRole("combobox", { name: "Technique" });
    // The matrix's techniques and the sub-techniques of the rules listed.
    const list = document.getElementById(field.getAttribute("list") ?? "") as HTMLDataListElement;
    await vi.waitFor(() => expect([...list.options].map((o) => `${o.value} ${o.textContent}`)).toEqual([
      "T1003 OS Credential Dumping",
      "T1059 Command and Scripting Interpreter",
      "T1059.001 Command and Scripting Interpreter: PowerShell",
      "T1110 Brute Force",
    ]));

    await user.type(field, "t1003.001{Enter}");
    expect(location.search.get("technique")).toBe("T1003.001");
    await vi.waitFor(() => expect(listCalls(calls).at(-1)?.get("technique")).toBe("T1003.001"));
    expect(field).toHaveValue("T1003.001");

    await user.clear(field);
    await user.type(field, "brute force{Enter}");
    expect(location.search.get("technique")).toBe("T1110");
    expect(field).toHaveValue("T1110");

    // A part of one name, applied on leaving the field.
    await user.clear(field);
    await user.type(field, "dumping");
    await user.tab();
    expect(location.search.get("technique")).toBe("T1003");

    await user.clear(field);
    await user.type(field, "teleportation{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("No ATT&CK technique is named “teleportation”");
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(location.search.get("technique")).toBe("T1003");

    await user.clear(field);
    await user.type(field, "interpreter{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("2 techniques match “interpreter”");

    // A suggestion picked from the list applies at once.
    fireEvent.input(field, { target: { value: "T1059" }, inputType: "insertReplacementText" });
    expect(location.search.get("technique")).toBe("T1059");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    await user.clear(field);
    await user.keyboard("{Enter}");
    expect(location.search.get("technique")).toBeNull();
  });

  it("sorts by what the rules did, keeping the order in the URL and going back to page 1", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderRules("/rules?page=2");
    const table = await screen.findByRole("table", { name: "Detection rules" });
    expect(listCalls(calls)[0]?.get("sort")).toBeNull();
    expect(within(table).getByRole("columnheader", { name: "Title" })).toHaveAttribute("aria-sort", "ascending");
    const sort = screen.getByRole("combobox", { name: "Sort by" });
    expect(within(sort).getAllByRole("option").map((o) => o.textContent)).toContain("Most alerts");
    await user.selectOptions(sort, "alerts");
    expect(location.search.get("sort")).toBe("alerts");
    expect(location.search.get("page")).toBeNull();
    await vi.waitFor(() => {
      const last = listCalls(calls).at(-1);
      expect(last?.get("sort")).toBe("alerts");
      expect(last?.get("offset")).toBe("0");
    });
    expect(within(screen.getByRole("table", { name: "Detection rules" })).getByRole("columnheader", { name: "Alerts" })).toHaveAttribute("aria-sort", "descending");
    // Sorting is not filtering: nothing to clear.
    expect(screen.queryByRole("button", { name: "Clear search and filters" })).not.toBeInTheDocument();
  });

  it("searches as typing pauses", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    const { location } = renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    await user.type(screen.getByRole("searchbox", { name: "Search rules" }), "powershell");
    await vi.waitFor(() => expect(location.search.get("q")).toBe("powershell"));
    await vi.waitFor(() => expect(listCalls(calls).at(-1)?.get("q")).toBe("powershell"));
  });

  it("pages through the rules on the server", async () => {
    const { calls } = server((url) => makeRuleList([ps], { total: 120, rules: [{ ...makeRuleList([ps]).rules[0]!, id: `r-${url.searchParams.get("offset")}` }] }));
    const user = userEvent.setup();
    const { location } = renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    const pager = screen.getByRole("navigation", { name: "Pages of rules" });
    expect(pager).toHaveTextContent("Page 1 of 3");
    expect(within(pager).getByRole("button", { name: "Previous" })).toBeDisabled();
    await user.click(within(pager).getByRole("button", { name: "Next" }));
    expect(location.search.get("page")).toBe("2");
    await vi.waitFor(() => expect(listCalls(calls).at(-1)?.get("offset")).toBe("50"));
    await vi.waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("51–100 of 120 rules"));
  });

  it("turns a rule on with its switch (PATCH)", async () => {
    let enabled = false;
    const { calls } = server(
      () => makeRuleList([ps, { ...brute, enabled }]),
      (call, url) => {
        if (call.method === "PATCH" && url.pathname === "/api/v1/rules/r-brute") {
          enabled = (call.body as { enabled: boolean }).enabled;
          return json(200, { ...brute, enabled });
        }
        return undefined;
      },
    );
    const user = userEvent.setup();
    renderRules();
    const sw = await screen.findByRole("switch", { name: "Enabled: Brute Force Detection" });
    await user.click(sw);
    await vi.waitFor(() => expect(sw).toHaveAttribute("aria-checked", "true"));
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toEqual({ enabled: true });
  });

  it("is read-only for a viewer", async () => {
    server();
    renderRules("/rules", makeMeAs("viewer"));
    await screen.findByRole("table", { name: "Detection rules" });
    expect(screen.queryByRole("link", { name: "New rule" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Import pack" })).not.toBeInTheDocument();
    expect(screen.getByText(/View only/)).toBeInTheDocument();
    for (const sw of screen.getAllByRole("switch")) expect(sw).toBeDisabled();
  });

  it("refuses a role without rules:read and asks nothing", async () => {
    const { calls } = server();
    renderRules("/rules", makeMe({ role: "viewer", permissions: ["self", "events:read"] }));
    expect(screen.getByRole("alert")).toHaveTextContent("You do not have access to Rules (your role: viewer).");
    expect(calls).toHaveLength(0);
  });

  it("with no rules, says how to get some", async () => {
    server(() => makeRuleList([], { facets: {} }));
    renderRules();
    expect(await screen.findByText("No detection rules yet")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: "Import pack" }).length).toBeGreaterThan(0);
  });

  it("with filters that match nothing, says so", async () => {
    server(() => makeRuleList([], { facets: {} }));
    renderRules("/rules?level=critical");
    expect(await screen.findByText("No rules match this search and these filters.")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Level" })).toHaveValue("critical");
  });

  it("imports a pack with upload progress, then shows the report", async () => {
    const XHR = installFakeXHR();
    const { calls } = server();
    document.cookie = "es_csrf=tok-1; path=/";
    const user = userEvent.setup();
    renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    await user.click(screen.getByRole("button", { name: "Import pack" }));
    const dialog = screen.getByRole("dialog", { name: "Import a rule pack" });
    const importButton = within(dialog).getByRole("button", { name: "Import" });
    expect(importButton).toBeDisabled();
    const file = new File([new Uint8Array(4096)], "sigma_all_rules.zip", { type: "application/zip" });
    await user.upload(within(dialog).getByLabelText("Rule pack"), file);
    await user.selectOptions(within(dialog).getByLabelText("File the rules under"), "sigmahq");
    await user.click(within(dialog).getByRole("checkbox", { name: "Import disabled" }));
    expect(within(dialog).getByRole("checkbox", { name: "Overwrite rules edited in EventSec" })).not.toBeChecked();
    await user.click(importButton);

    const xhr = XHR.latest();
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/v1/rules/import");
    expect(xhr.headers["x-csrf-token"]).toBe("tok-1");
    expect((xhr.body as FormData).get("file")).toBeInstanceOf(File);
    expect((xhr.body as FormData).get("pack")).toBe("sigmahq");
    expect((xhr.body as FormData).get("disabled")).toBe("true");
    expect((xhr.body as FormData).get("overwrite")).toBeNull();
    act(() => xhr.progress(2048, 4096));
    expect(within(dialog).getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("value", "2048");
    expect(within(dialog).getByText(/Uploading: 50 %/)).toBeInTheDocument();
    act(() => xhr.progress(4096, 4096));
    expect(within(dialog).getByText(/the server is reading the rules/)).toBeInTheDocument();
    const before = listCalls(calls).length;
    act(() =>
      xhr.respond(200, {
        loaded: 3012,
        updated: 4,
        unchanged: 10,
        failed: [
          { file: "rules/windows/bad.yml", line: 7, column: 3, message: "unknown modifier |contain", status: "unreadable" },
          { file: "rules/windows/bad.yml", line: 1, column: 1, message: "id is required", status: "unreadable" },
          { file: "rules/windows/dup.yml", line: 2, column: 5, message: "id 13ce3503: already used by rule \"Log Cleared\" of pack eventsec", status: "refused" },
        ],
        updated_rules: [{ id: "r-upd", title: "Updated rule", file: "rules/windows/upd.yml" }],
        conflicts: [
          {
            id: "r-mine",
            title: "My tuned rule",
            file: "rules/windows/mine.yml",
            pack: "custom",
            message: "rule r-mine differs from the stored rule \"My tuned rule\", which was written or edited in EventSec",
          },
        ],
        not_runnable: [{ id: "r-cdc", title: "CDC rule", file: "rules/windows/cdc.yml", message: "not runnable: placeholder %known_cdcs% has no values in this org" }],
        other_not_runnable: 7,
        exceptions_restored: 0,
        skipped: [
          { file: "README.md", reason: "not a rule file" },
          { file: "regression_data/a/event.json", reason: "not a rule: a JSON object without name, conditions or query (an event?)" },
          { file: "regression_data/b/event.json", reason: "not a rule: a JSON object without name, conditions or query (an event?)" },
        ],
        elapsed_ms: 2400,
      }),
    );
    const report = await within(dialog).findByRole("region", { name: "Import report" });
    expect(within(report).getByText("Loaded").nextSibling).toHaveTextContent("3,012");
    expect(within(report).getByText("Updated").nextSibling).toHaveTextContent("4");
    expect(within(report).getByText("Unchanged").nextSibling).toHaveTextContent("10");
    // Not imported counts files: bad.yml has two problems.
    expect(within(report).getByText("Not imported", { selector: "dt" }).nextSibling).toHaveTextContent("2");
    // An unreadable file and a refused one are told apart.
    expect(within(report).getByRole("status")).toHaveTextContent(
      "2 files were not imported: 1 file is not a valid rule; 1 was refused (an id or name another rule has, or an action naming a missing channel).",
    );
    expect(within(report).getByRole("status")).toHaveTextContent("1 rule was edited in EventSec and kept as it is");
    // Conflicts name the rule and its file; updated rules are listed.
    expect(within(report).getByText("Conflicts").nextSibling).toHaveTextContent("1");
    expect(within(report).getByRole("link", { name: "My tuned rule" })).toHaveAttribute("href", "/rules/r-mine");
    expect(within(report).getByRole("cell", { name: "rules/windows/mine.yml" })).toBeInTheDocument();
    expect(within(within(report).getByRole("list", { name: "Updated rules" })).getByRole("link", { name: "Updated rule" })).toHaveAttribute(
      "href",
      "/rules/r-upd",
    );
    expect(within(report).getAllByRole("cell", { name: "Refused" })).toHaveLength(1);
    expect(within(report).getAllByRole("cell", { name: "Not a valid rule" })).toHaveLength(2);
    expect(within(report).getByRole("cell", { name: "rules/windows/bad.yml:7:3" })).toBeInTheDocument();
    expect(within(report).getByText("unknown modifier |contain")).toBeInTheDocument();
    expect(within(report).getByText("README.md")).toBeInTheDocument();
    // Skipped files are grouped by reason, counted in the summary.
    expect(within(report).getByText(/^Skipped \(3\): 1 not a rule file; 2 not a rule: a JSON object/)).toBeInTheDocument();
    const events = within(report).getByRole("region", { name: /^Skipped: not a rule: a JSON object/ });
    expect(within(events).getAllByRole("listitem")).toHaveLength(2);
    expect(within(report).getByText("Not running yet").nextSibling).toHaveTextContent("1");
    expect(within(report).getByRole("link", { name: "CDC rule" })).toHaveAttribute("href", "/rules/r-cdc");
    expect(within(report).getByRole("cell", { name: "rules/windows/cdc.yml" })).toBeInTheDocument();
    expect(within(report).getByText(/7 other rules of the organisation \(not in this pack\) cannot run/)).toBeInTheDocument();
    expect(within(report).getByRole("link", { name: "Give the placeholders their values" })).toHaveAttribute("href", "/rules/placeholders");
    expect(within(report).getByText(/Imported in 2\.4 s/)).toBeInTheDocument();
    // The list is asked again.
    await vi.waitFor(() => expect(listCalls(calls).length).toBeGreaterThan(before));
  });

  it("tells the server's refusal of an upload", async () => {
    const XHR = installFakeXHR();
    server();
    const user = userEvent.setup();
    renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    await user.click(screen.getByRole("button", { name: "Import pack" }));
    const dialog = screen.getByRole("dialog", { name: "Import a rule pack" });
    await user.upload(within(dialog).getByLabelText("Rule pack"), new File(["x"], "broken.yml"));
    await user.click(within(dialog).getByRole("button", { name: "Import" }));
    act(() => XHR.latest().respond(400, { error: { code: "bad_request", message: "the file is neither a ZIP nor a rule" } }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("the file is neither a ZIP nor a rule");
  });

  it("exports the rules the filters select as a ZIP, through the API client", async () => {
    const createObjectURL = vi.fn(() => "blob:rules");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { calls } = server(undefined, (_call, url) =>
      url.pathname === "/api/v1/rules/export"
        ? new Response("PK\x03\x04", { status: 200, headers: { "Content-Type": "application/zip", "Content-Disposition": 'attachment; filename="eventsec-rules-20261123.zip"' } })
        : undefined,
    );
    const user = userEvent.setup();
    renderRules("/rules?pack=sigmahq&status=test&sort=level&page=2");
    await screen.findByRole("table", { name: "Detection rules" });
    await user.click(screen.getByRole("button", { name: "Export" }));
    expect(await screen.findByText(/Saved eventsec-rules-20261123\.zip/)).toBeInTheDocument();
    const get = calls.find((c) => c.url.startsWith("/api/v1/rules/export"));
    const q = new URL(get?.url ?? "", "http://localhost").searchParams;
    // The filters go along; the page and the order do not matter to a file.
    expect(Object.fromEntries(q)).toEqual({ pack: "sigmahq", status: "test" });
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalled();
    click.mockRestore();
  });

  it("disables the rules ticked in one request, and says how many changed", async () => {
    document.cookie = "es_csrf=tok-1; path=/";
    const { calls } = server(undefined, (_call, url) => (url.pathname === "/api/v1/rules/bulk" ? json(200, { matched: 2, changed: 1 }) : undefined));
    const user = userEvent.setup();
    renderRules();
    await screen.findByRole("table", { name: "Detection rules" });
    expect(screen.queryByRole("region", { name: "Bulk actions on rules" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("checkbox", { name: `Select ${ps.title}` }));
    await user.click(screen.getByRole("checkbox", { name: "Select Brute Force Detection" }));
    const bar = screen.getByRole("region", { name: "Bulk actions on rules" });
    expect(bar).toHaveTextContent("2 rules selected");
    await user.click(within(bar).getByRole("button", { name: "Disable" }));
    expect(await within(bar).findByRole("status")).toHaveTextContent("Disabled 1 rule of the 2 selected (the others already were).");
    const post = calls.find((c) => c.url === "/api/v1/rules/bulk");
    expect(post?.body).toEqual({ action: "disable", ids: ["r-ps", "r-brute"] });
    expect(post?.headers["x-csrf-token"]).toBe("tok-1");
    // The selection is done with; the list is asked again.
    expect(screen.getByRole("checkbox", { name: "Select all rules on this page" })).not.toBeChecked();
  });

  it("selects every rule matching the filters, and deletes them after confirming the count", async () => {
    const many = (url: URL) => (url.searchParams.get("status") === "experimental" ? makeRuleList([ps, brute], { total: 812 }) : makeRuleList([ps, brute]));
    const { calls } = server(many, (_call, url) => (url.pathname === "/api/v1/rules/bulk" ? json(200, { matched: 812, changed: 812 }) : undefined));
    const user = userEvent.setup();
    renderRules("/rules?status=experimental&pack=sigmahq");
    await screen.findByRole("table", { name: "Detection rules" });
    await user.click(screen.getByRole("checkbox", { name: "Select all rules on this page" }));
    expect(screen.getByRole("region", { name: "Bulk actions on rules" })).toHaveTextContent("2 rules selected");
    await user.click(screen.getByRole("button", { name: "Select all 812 rules matching the filters" }));
    const bar = screen.getByRole("region", { name: "Bulk actions on rules" });
    expect(bar).toHaveTextContent("All 812 rules matching the filters selected");
    await user.click(within(bar).getByRole("button", { name: "Delete…" }));
    const dialog = screen.getByRole("dialog", { name: "Delete all 812 rules matching the filters?" });
    expect(calls.some((c) => c.url === "/api/v1/rules/bulk")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Delete 812 rules" }));
    expect(await within(bar).findByRole("status")).toHaveTextContent("Deleted 812 rules.");
    const post = calls.find((c) => c.url === "/api/v1/rules/bulk");
    expect(post?.body).toEqual({ action: "delete", filter: { status: "experimental", pack: "sigmahq" }, confirm: 812 });
  });

  it("offers no selection to a viewer, but the export", async () => {
    server();
    renderRules("/rules", makeMeAs("viewer"));
    await screen.findByRole("table", { name: "Detection rules" });
    expect(screen.queryByRole("checkbox", { name: /^Select / })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Export" })).toBeEnabled();
  });
});
