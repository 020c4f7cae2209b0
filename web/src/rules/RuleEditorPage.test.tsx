import { diagnosticCount, forEachDiagnostic } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Rule, RuleException, RuleFormat, Validation } from "../api/detection";
import { makeRule, summaryOf } from "../test/detection";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import RuleEditorPage, { parseGroupBy } from "./RuleEditorPage";
import { zoneLabel } from "../components/timezone";
import { formatZonedTime } from "../ui/time";
import { JSON_TEMPLATE } from "./templates";

afterEach(() => vi.unstubAllGlobals());

const rule = makeRule({ id: "r-ps", exceptions: [] });

function valid(source: string, format: RuleFormat): Validation {
  if (source.includes("BROKEN")) return { valid: false, errors: [{ line: 2, column: 3, message: "unknown modifier |contain" }], rule: null };
  const title = format === "json" ? (JSON.parse(source) as { name: string }).name : (/^title: (.*)$/m.exec(source)?.[1] ?? "Untitled");
  return { valid: true, errors: [], rule: summaryOf(makeRule({ id: "v", title, format })) };
}

interface Handlers {
  rule?: () => Rule;
  more?: (call: Call, url: URL) => Response | undefined;
}

function server({ rule: current = () => rule, more }: Handlers = {}) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    const other = more?.(call, url);
    if (other) return other;
    if (url.pathname === "/api/v1/rules/validate") {
      const body = call.body as { source: string; format: RuleFormat };
      return json(200, valid(body.source, body.format));
    }
    if (url.pathname === "/api/v1/rules/r-ps" && call.method === "GET") return json(200, current());
    if (url.pathname === "/api/v1/rules/r-ps/exceptions" && call.method === "GET") return json(200, { exceptions: current().exceptions ?? [] });
    if (url.pathname === "/api/v1/rules/r-missing") return json(404, { error: { code: "not_found", message: "rule not found" } });
    return json(404, { error: { code: "not_found", message: `no ${call.method} ${url.pathname}` } });
  });
}

function renderEditor(route: string, me = makeMe()) {
  return renderWithProviders(
    <Routes>
      <Route path="/rules" element={<h1>Rules list</h1>} />
      <Route path="/rules/new" element={<RuleEditorPage />} />
      <Route path="/rules/:id" element={<RuleEditorPage />} />
    </Routes>,
    { route, me },
  );
}

function editorView(): EditorView {
  const box = screen.getByRole("textbox", { name: /^Rule source/ });
  const view = EditorView.findFromDOM(box.closest(".cm-editor") as HTMLElement);
  if (!view) throw new Error("no editor");
  return view;
}

function setSource(text: string) {
  act(() => {
    const v = editorView();
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  });
}

// Validation waits for typing to pause (400 ms); a busy machine needs more than waitFor's default second.
const SLOW = { timeout: 5000 };

const validations = (calls: Call[]) => calls.filter((c) => c.url === "/api/v1/rules/validate");

describe("RuleEditorPage", () => {
  it("starts a new rule from the Sigma template, validated by the server", async () => {
    const { calls } = server();
    renderEditor("/rules/new");
    const source = editorView().state.doc.toString();
    expect(source).toMatch(/^title: Shell started by a web server\nid: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n/);
    expect(source).toContain("author: Alex Admin");
    expect(screen.getByRole("textbox", { name: "Rule source (Sigma YAML)" })).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByText("Valid")).toBeInTheDocument(), SLOW);
    expect(validations(calls)[0]?.body).toEqual({ format: "sigma", source });
    expect(screen.getByRole("heading", { level: 1, name: "Shell started by a web server" })).toBeInTheDocument();
    // What the rule is, from the validation answer: ATT&CK by name.
    const facts = screen.getByRole("region", { name: "The rule" });
    expect(within(facts).getByText("Command and Scripting Interpreter: PowerShell")).toBeInTheDocument();
    expect(within(facts).getByText("Execution")).toBeInTheDocument();
  });

  it("switches to JSON with the seed's Brute Force Detection example", async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderEditor("/rules/new");
    await user.click(screen.getByRole("button", { name: "JSON" }));
    expect(screen.getByRole("button", { name: "JSON" })).toHaveAttribute("aria-pressed", "true");
    expect(editorView().state.doc.toString()).toBe(JSON_TEMPLATE);
    const example = JSON.parse(JSON_TEMPLATE) as Record<string, unknown>;
    expect(example.conditions).toEqual([{ field: "event_type", operator: "equals", value: "LOGIN_FAILURE" }]);
    expect(example.aggregation).toEqual({ window: 5, threshold: 5, group_by: ["source_ip"] });
    expect(screen.getByRole("textbox", { name: "Rule source (JSON)" })).toBeInTheDocument();
    await vi.waitFor(() => expect(validations(calls).at(-1)?.body).toEqual({ format: "json", source: JSON_TEMPLATE }), SLOW);
    expect(await screen.findByRole("heading", { level: 1, name: "Brute Force Detection" })).toBeInTheDocument();
  });

  it("reads what it can from a text the server refuses, and says it is not checked", async () => {
    server();
    renderEditor("/rules/new");
    await vi.waitFor(() => expect(screen.getByText("Valid")).toBeInTheDocument(), SLOW);
    setSource(
      [
        "title: 'Whoami as SYSTEM'",
        "status: test",
        "description: >",
        "  whoami run by",
        "  the system account",
        "tags: [attack.discovery, attack.t1033, attack.g0016]",
        "logsource:",
        "  product: windows",
        "  category: process_creation # Sysmon 1",
        "detection:",
        "  sel:",
        "    BROKEN|contians: whoami",
        "  condition: sel",
        "level: medium",
      ].join("\n"),
    );
    await vi.waitFor(() => expect(screen.getByText("1 problem")).toBeInTheDocument(), SLOW);
    // The header and the panel follow the text, not the template's last valid form.
    expect(screen.getByRole("heading", { level: 1, name: "Whoami as SYSTEM" })).toBeInTheDocument();
    expect(screen.getByText("Has errors", { selector: ".badge" })).toBeInTheDocument();
    expect(screen.getByText("details read from the text, not checked by the server")).toBeInTheDocument();
    const facts = screen.getByRole("region", { name: "The rule" });
    expect(within(facts).getByRole("note")).toHaveTextContent("The rule has errors: this is read from the text as it stands");
    expect(facts).toHaveTextContent("whoami run by the system account");
    expect(facts).toHaveTextContent("Medium");
    expect(facts).toHaveTextContent("windows / process_creation");
    expect(within(facts).getByRole("list", { name: "ATT&CK tactics" })).toHaveTextContent(/^Discovery$/);
    expect(within(facts).getByRole("list", { name: "ATT&CK techniques" })).toHaveTextContent(/^T1033$/);
    expect(within(facts).queryByText(/Shell started by a web server|Persistence|T1505/)).not.toBeInTheDocument();
  });

  it("reads a logsource written as a flow mapping from a text the server refuses", async () => {
    server();
    renderEditor("/rules/new");
    await vi.waitFor(() => expect(screen.getByText("Valid")).toBeInTheDocument(), SLOW);
    setSource(
      [
        "title: Flow logsource",
        "logsource: {product: windows, category: process_creation}",
        "detection:",
        "  sel: {Image|endswith: '\\\\whoami.exe'}",
        "  condition: sel and BROKEN",
        "level: high",
      ].join("\n"),
    );
    await vi.waitFor(() => expect(screen.getByText("1 problem")).toBeInTheDocument(), SLOW);
    const facts = screen.getByRole("region", { name: "The rule" });
    expect(facts).toHaveTextContent("windows / process_creation");
    expect(facts).not.toHaveTextContent(/Log source\s*any/);
  });

  it("marks the server's problems at their line and column, and lists them", async () => {
    server();
    const user = userEvent.setup();
    renderEditor("/rules/new");
    setSource("title: x\n  BROKEN|contain: 1\n");
    await vi.waitFor(() => expect(screen.getByText("1 problem")).toBeInTheDocument(), SLOW);
    const problems = screen.getByRole("list", { name: "Problems" });
    expect(problems).toHaveTextContent("2:3unknown modifier |contain");
    const view = editorView();
    expect(diagnosticCount(view.state)).toBe(1);
    const found: Array<{ from: number; message: string }> = [];
    forEachDiagnostic(view.state, (d, from) => found.push({ from, message: d.message }));
    expect(found).toEqual([{ from: view.state.doc.line(2).from + 2, message: "unknown modifier |contain" }]);
    expect(screen.getByRole("button", { name: "Create rule" })).toBeDisabled();
    // A problem puts the cursor where it is.
    await user.click(within(problems).getByRole("button"));
    expect(view.state.selection.main.head).toBe(view.state.doc.line(2).from + 2);
  });

  it("creates the rule (POST) and opens it", async () => {
    const created = makeRule({ id: "r-new", title: "Shell started by a web server", enabled: false });
    const { calls } = server({
      more: (call, url) => {
        if (call.method === "POST" && url.pathname === "/api/v1/rules") {
          created.source = (call.body as { source: string }).source;
          return json(201, created);
        }
        if (url.pathname === "/api/v1/rules/r-new") return json(200, created);
        if (url.pathname === "/api/v1/rules/r-new/exceptions") return json(200, { exceptions: [] });
        return undefined;
      },
    });
    const user = userEvent.setup();
    const { location } = renderEditor("/rules/new");
    await vi.waitFor(() => expect(screen.getByText("Valid")).toBeInTheDocument(), SLOW);
    await user.click(screen.getByRole("checkbox", { name: "Enable when saved" }));
    await user.click(screen.getByRole("button", { name: "Create rule" }));
    await vi.waitFor(() => expect(location.pathname).toBe("/rules/r-new"));
    const post = calls.find((c) => c.method === "POST" && c.url === "/api/v1/rules");
    expect(post?.body).toMatchObject({ format: "sigma", enabled: false });
    expect((post?.body as { source: string }).source).toContain("title: Shell started by a web server");
    expect(await screen.findByText(/Rule created\./)).toHaveTextContent("It is disabled");
  });

  it("edits a saved rule and saves it with PUT (Ctrl+S)", async () => {
    let saved = rule;
    const { calls } = server({
      rule: () => saved,
      more: (call, url) => {
        if (call.method === "PUT" && url.pathname === "/api/v1/rules/r-ps") {
          saved = { ...rule, title: "Renamed", source: (call.body as { source: string }).source, updated_at: "2026-11-23T11:00:00Z" };
          return json(200, saved);
        }
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const h1 = await screen.findByRole("heading", { level: 1, name: "Suspicious PowerShell download cradle" });
    expect(editorView().state.doc.toString()).toBe(rule.source);
    const save = screen.getByRole("button", { name: "Save changes" });
    expect(save).toBeDisabled();
    setSource(rule.source.replace("title: Suspicious PowerShell download cradle", "title: Renamed"));
    await vi.waitFor(() => expect(h1).toHaveTextContent("Renamed"), SLOW);
    await vi.waitFor(() => expect(save).toBeEnabled(), SLOW);
    await user.keyboard("{Control>}s{/Control}");
    await vi.waitFor(() => expect(screen.getByText(/^Saved\./)).toBeInTheDocument(), SLOW);
    const put = calls.find((c) => c.method === "PUT");
    expect(put?.url).toBe("/api/v1/rules/r-ps");
    expect(put?.body).toEqual({ source: rule.source.replace("Suspicious PowerShell download cradle", "Renamed"), format: "sigma" });
    expect(screen.getByRole("button", { name: "Save changes" })).toBeDisabled();
  });

  it("validates a saved rule as itself (rule_id), and marks a save refused as a duplicate (409) at the server's line", async () => {
    const { calls } = server({
      more: (call, url) => {
        if (call.method === "PUT" && url.pathname === "/api/v1/rules/r-ps") {
          return json(409, {
            error: { code: "duplicate_rule", field: "name", message: 'name "taken" is already used by rule "Other" (r-other, pack custom)', line: 3, column: 1 },
          });
        }
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    await screen.findByRole("heading", { level: 1, name: "Suspicious PowerShell download cradle" });
    setSource(rule.source.replace("title: Suspicious PowerShell download cradle", "title: Taken name"));
    await vi.waitFor(() => expect(validations(calls).some((c) => (c.body as { source: string }).source.includes("Taken name"))).toBe(true), SLOW);
    expect(validations(calls).every((c) => (c.body as { rule_id?: string }).rule_id === "r-ps")).toBe(true);
    const save = screen.getByRole("button", { name: "Save changes" });
    await vi.waitFor(() => expect(save).toBeEnabled(), SLOW);
    await user.click(save);
    const list = await screen.findByRole("list", { name: "Problems" }, SLOW);
    expect(within(list).getByRole("button", { name: /3:1.*name "taken" is already used by rule "Other"/ })).toBeInTheDocument();
    expect(diagnosticCount(editorView().state)).toBe(1);
    // An edit since the refusal takes the mark away: the server checks the new text.
    setSource(rule.source.replace("title: Suspicious PowerShell download cradle", "title: Another"));
    await vi.waitFor(() => expect(screen.queryByRole("list", { name: "Problems" })).not.toBeInTheDocument(), SLOW);
  });

  it("shows the rule's stats and overrides the severity of its alerts (PATCH)", async () => {
    const { calls } = server({
      more: (call, url) => (call.method === "PATCH" && url.pathname === "/api/v1/rules/r-ps" ? json(200, { ...rule, severity_override: "critical" }) : undefined),
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const stats = await screen.findByLabelText("What the rule did");
    expect(stats).toHaveTextContent("Matches12");
    expect(within(stats).getByRole("link", { name: "3" })).toHaveAttribute("href", "/alerts?rule=r-ps");
    // 410 ns sampled on 96 events.
    expect(stats).toHaveTextContent("Avg time per event (sampled)410 ns");
    await user.selectOptions(screen.getByRole("combobox", { name: "Severity of its alerts" }), "critical");
    await vi.waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ severity_override: "critical" }));
  });

  it("shows a dash, not 0 ns, for a time not measured, and says why", async () => {
    for (const [samples, title] of [
      [0, "not sampled yet"],
      [8, "not measured: none of the 8 sampled events was one it could apply to (its log source or the prefilter ruled each out)"],
    ] as const) {
      server({ rule: () => ({ ...rule, stats: { ...rule.stats, eval_ns_per_event: 0, eval_samples: samples } }) });
      const { unmount } = renderEditor("/rules/r-ps");
      const stats = await screen.findByLabelText("What the rule did");
      expect(stats).toHaveTextContent("Avg time per event (sampled)—");
      expect(stats).not.toHaveTextContent("0 ns");
      expect(within(stats).getByTitle(title)).toHaveTextContent("—");
      unmount();
    }
  });

  it("sets the fields and window that group the rule's alerts (PATCH), and shows a refusal", async () => {
    let refuse = false;
    const { calls } = server({
      more: (call, url) => {
        if (call.method !== "PATCH" || url.pathname !== "/api/v1/rules/r-ps") return undefined;
        if (refuse) return json(400, { error: { code: "validation_failed", field: "alert_group_by[0]", message: 'alert_group_by[0]: "a b" is not a field name' } });
        const body = call.body as { alert_group_by: string[]; alert_window_minutes: number };
        return json(200, { ...rule, ...body });
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const form = await screen.findByRole("form", { name: "Alert grouping" });
    const save = within(form).getByRole("button", { name: "Save grouping" });
    expect(save).toBeDisabled();
    await user.type(within(form).getByRole("textbox", { name: "Group its alerts by" }), "user.name, source.ip");
    await user.selectOptions(within(form).getByRole("combobox", { name: "Fold repeats within" }), "1 hour");
    await user.click(save);
    await vi.waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ alert_group_by: ["user.name", "source.ip"], alert_window_minutes: 60 }));
    await vi.waitFor(() => expect(within(screen.getByRole("form", { name: "Alert grouping" })).getByRole("button", { name: "Save grouping" })).toBeDisabled());
    refuse = true;
    const again = screen.getByRole("form", { name: "Alert grouping" });
    const input = within(again).getByRole("textbox", { name: "Group its alerts by" });
    expect(input).toHaveValue("user.name, source.ip");
    await user.clear(input);
    await user.type(input, "a b");
    await user.click(within(again).getByRole("button", { name: "Save grouping" }));
    expect(await within(again).findByText(/is not a field name/)).toBeInTheDocument();
  });

  it("parses grouping fields separated by commas or spaces", () => {
    expect(parseGroupBy(" user.name,source.ip  host.name ,")).toEqual(["user.name", "source.ip", "host.name"]);
    expect(parseGroupBy("  ")).toEqual([]);
  });

  it("warns while typing that a placeholder has no values, at its line and column", async () => {
    const warning = { line: 10, column: 28, message: "placeholder %admin_users% has no values in this org: the rule will be saved but will not run until it has (Rules → Placeholders)" };
    server({
      more: (call, url) => {
        if (url.pathname !== "/api/v1/rules/validate") return undefined;
        const body = call.body as { source: string; format: RuleFormat };
        return json(200, { ...valid(body.source, body.format), warnings: [warning] });
      },
    });
    renderEditor("/rules/new");
    const list = await screen.findByRole("list", { name: "Warnings" }, SLOW);
    expect(within(list).getByRole("button")).toHaveTextContent("10:28placeholder %admin_users% has no values in this org");
    expect(screen.getByText("Valid")).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Problems" })).not.toBeInTheDocument();
  });

  it("says when the rule cannot run and leads to the placeholders", async () => {
    server({ rule: () => ({ ...rule, runnable: false, problem: "not runnable: placeholder %known_cdcs% has no values in this org" }) });
    renderEditor("/rules/r-ps");
    const alert = await screen.findByText(/This rule does not run/);
    expect(alert).toHaveTextContent("This rule does not run: placeholder %known_cdcs% has no values in this org.");
    expect(within(alert).getByRole("link", { name: "Set the placeholder's values" })).toHaveAttribute("href", "/rules/placeholders");
  });

  it("deletes the rule after asking", async () => {
    const { calls } = server({ more: (call) => (call.method === "DELETE" ? new Response(null, { status: 204 }) : undefined) });
    const user = userEvent.setup();
    const { location } = renderEditor("/rules/r-ps");
    await user.click(await screen.findByRole("button", { name: "Delete rule" }));
    const dialog = screen.getByRole("dialog", { name: "Delete this rule?" });
    expect(dialog).toHaveTextContent("Suspicious PowerShell download cradle stops matching at once");
    await user.click(within(dialog).getByRole("button", { name: "Delete rule" }));
    await vi.waitFor(() => expect(location.pathname).toBe("/rules"));
    expect(calls.find((c) => c.method === "DELETE")?.url).toBe("/api/v1/rules/r-ps");
  });

  it("adds an exception only with a reason, and lists exceptions with their owner and expiry", async () => {
    const existing: RuleException = {
      id: "x-1",
      rule_id: "r-ps",
      conditions: [{ field: "user.name", operator: "equals", value: "svc_backup" }],
      field: "user.name",
      operator: "equals",
      value: "svc_backup",
      reason: "Backup job",
      owner: "u-1",
      owner_email: "ana@example.test",
      expires_at: "2026-01-01T00:00:00Z",
      created_at: "2025-12-01T00:00:00Z",
      expired: true,
    };
    let exceptions = [existing];
    const { calls } = server({
      rule: () => ({ ...rule, exceptions }),
      more: (call, url) => {
        if (call.method === "POST" && url.pathname === "/api/v1/rules/r-ps/exceptions") {
          const body = call.body as { conditions: RuleException["conditions"]; reason: string };
          const created = { ...existing, id: "x-2", expired: false, expires_at: null, owner_email: "admin@example.test", ...body };
          exceptions = [...exceptions, created];
          return json(201, created);
        }
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const section = await screen.findByRole("region", { name: "Exceptions" });
    const table = within(section).getByRole("table", { name: "Exceptions of this rule" });
    expect(within(table).getByText("ana@example.test")).toBeInTheDocument();
    expect(within(table).getByText("Expired")).toBeInTheDocument();

    const form = within(section).getByRole("form", { name: "Add an exception" });
    await user.type(within(form).getByLabelText("Field"), "source.ip");
    await user.selectOptions(within(form).getByLabelText("Operator"), "cidr");
    await user.type(within(form).getByLabelText("Value"), "10.0.0.0/8");
    await user.click(within(form).getByRole("button", { name: "Add exception" }));
    expect(within(form).getByLabelText("Reason")).toHaveAccessibleDescription(/Give a reason/);
    expect(calls.some((c) => c.url.endsWith("/exceptions") && c.method === "POST")).toBe(false);
    await user.type(within(form).getByLabelText("Reason"), "Internal scanner");
    await user.click(within(form).getByRole("button", { name: "Add exception" }));
    await vi.waitFor(() => expect(within(table).getByText("Internal scanner")).toBeInTheDocument());
    expect(calls.find((c) => c.url.endsWith("/exceptions") && c.method === "POST")?.body).toEqual({ conditions: [{ field: "source.ip", operator: "cidr", value: "10.0.0.0/8" }], reason: "Internal scanner" });
  });

  it("adds an exception of several conditions, with a list and a no-value operator, and shows the server's warning", async () => {
    let exceptions: RuleException[] = [];
    const { calls } = server({
      rule: () => ({ ...rule, exceptions }),
      more: (call, url) => {
        if (call.method === "POST" && url.pathname === "/api/v1/rules/r-ps/exceptions") {
          const body = call.body as { conditions: RuleException["conditions"]; reason: string };
          if (body.conditions.some((c) => c.operator === "regex")) {
            return json(400, { error: { code: "validation_failed", field: "conditions[1].value", message: 'conditions[1].value: "(" is not a regular expression (RE2 syntax): missing closing )' } });
          }
          const created: RuleException = {
            id: "x-9",
            rule_id: "r-ps",
            owner: "u-admin",
            owner_email: "admin@example.test",
            expires_at: null,
            created_at: "2026-11-23T10:00:00Z",
            expired: false,
            ...body,
          };
          exceptions = [created];
          return json(201, { ...created, warnings: ['conditions[1].field: "usr.name" is not a field EventSec\'s events have; did you mean user.name?'] });
        }
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const section = await screen.findByRole("region", { name: "Exceptions" });
    const form = within(section).getByRole("form", { name: "Add an exception" });
    const first = within(form).getByRole("group", { name: "Condition 1" });
    expect(within(first).getByRole("button", { name: "Remove condition 1" })).toBeDisabled();
    await user.type(within(first).getByLabelText("Field"), "process.executable");
    await user.type(within(first).getByLabelText("Value"), "C:\\Tools\\backup.exe");

    await user.click(within(form).getByRole("button", { name: "Add condition" }));
    const second = within(form).getByRole("group", { name: "Condition 2" });
    await user.type(within(second).getByLabelText("Field"), "usr.name");
    // A list operator asks for values, one a line; the check is done before sending.
    await user.selectOptions(within(second).getByLabelText("Operator"), "in");
    expect(within(second).queryByLabelText("Value")).not.toBeInTheDocument();
    await user.type(within(form).getByLabelText("Reason"), "Backup job");
    await user.click(within(form).getByRole("button", { name: "Add exception" }));
    expect(within(second).getByLabelText("Values")).toHaveAccessibleDescription(/at least one value/);
    expect(calls.some((c) => c.method === "POST" && c.url.endsWith("/exceptions"))).toBe(false);
    await user.type(within(second).getByLabelText("Values"), "svc_backup{Enter}  svc_sync {Enter}{Enter}");

    // A third condition with no value, then a fourth that is removed again.
    await user.click(within(form).getByRole("button", { name: "Add condition" }));
    const third = within(form).getByRole("group", { name: "Condition 3" });
    await user.type(within(third).getByLabelText("Field"), "process.parent.name");
    await user.selectOptions(within(third).getByLabelText("Operator"), "not_exists");
    expect(within(third).queryByLabelText("Value")).not.toBeInTheDocument();
    await user.click(within(form).getByRole("button", { name: "Add condition" }));
    await user.click(within(form).getByRole("button", { name: "Remove condition 4" }));
    expect(within(form).queryByRole("group", { name: "Condition 4" })).not.toBeInTheDocument();

    await user.click(within(form).getByRole("button", { name: "Add exception" }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === "POST" && c.url.endsWith("/exceptions"))?.body).toEqual({
        conditions: [
          { field: "process.executable", operator: "equals", value: "C:\\Tools\\backup.exe" },
          { field: "usr.name", operator: "in", values: ["svc_backup", "svc_sync"] },
          { field: "process.parent.name", operator: "not_exists" },
        ],
        reason: "Backup job",
      }),
    );
    expect(await within(form).findByRole("status", { name: "Exception warnings" })).toHaveTextContent('"usr.name" is not a field EventSec\'s events have; did you mean user.name?');
    // The list shows every condition of the exception.
    const table = await within(section).findByRole("table", { name: "Exceptions of this rule" });
    const conds = within(table).getByRole("list", { name: "Conditions" });
    expect(within(conds).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "process.executable is C:\\Tools\\backup.exe",
      "AND usr.name is one of svc_backup, svc_sync",
      "AND process.parent.name does not exist",
    ]);
    expect(within(table).getByText("Backup job")).toBeInTheDocument();
    expect(within(table).getByText("admin@example.test")).toBeInTheDocument();
    expect(within(table).getByText("never")).toBeInTheDocument();
    // The form is empty again: one blank condition.
    expect(within(form).getAllByRole("group")).toHaveLength(1);

    // The server's refusal is shown at the condition it names.
    const again = within(form).getByRole("group", { name: "Condition 1" });
    await user.type(within(again).getByLabelText("Field"), "user.name");
    await user.type(within(again).getByLabelText("Value"), "x");
    await user.click(within(form).getByRole("button", { name: "Add condition" }));
    const bad = within(form).getByRole("group", { name: "Condition 2" });
    await user.type(within(bad).getByLabelText("Field"), "process.command_line");
    await user.selectOptions(within(bad).getByLabelText("Operator"), "regex");
    await user.type(within(bad).getByLabelText("Value"), "(");
    await user.type(within(form).getByLabelText("Reason"), "r");
    await user.click(within(form).getByRole("button", { name: "Add exception" }));
    await vi.waitFor(() => expect(within(bad).getByLabelText("Value")).toHaveAccessibleDescription(/is not a regular expression/));
    expect(within(form).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("tests the rule on sample events and opens a match", async () => {
    const { calls } = server({
      more: (_call, url) =>
        url.pathname === "/api/v1/rules/r-ps/test"
          ? json(200, {
              scanned: 2,
              matched: 1,
              alerts: 1,
              matches: [{ event_id: "s-1", timestamp: "2026-11-23T10:00:00Z", summary: "powershell IEX (New-Object Net.WebClient).DownloadString(...)", fields: { "process.name": "powershell.exe", "host.name": "ws-7", "user.name": "alice", "user.domain": "CORP" } }],
              truncated: false,
              elapsed_ms: 3,
            })
          : undefined,
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const test = await screen.findByRole("region", { name: "Test" });
    await user.click(within(test).getByRole("tab", { name: "Sample events" }));
    expect(within(test).getByRole("tab", { name: "Sample events" })).toHaveAttribute("aria-selected", "true");
    const box = within(test).getByRole("textbox", { name: "Sample events" });
    await user.click(within(test).getByRole("button", { name: "Run on samples" }));
    expect(box).toHaveAccessibleDescription(/Paste at least one event/);
    await user.click(box);
    await user.paste('{"process":{"name":"powershell.exe"}}\n<38>Nov 23 10:00:00 web-1 sshd[811]: Failed password for root');
    await user.click(within(test).getByRole("button", { name: "Run on samples" }));
    const result = await within(test).findByRole("region", { name: "Test result" });
    expect(result).toHaveTextContent("Events scanned2");
    expect(result).toHaveTextContent("Events matched1");
    expect(result).toHaveTextContent("Alerts it would raise1");
    expect(result).toHaveTextContent("3 ms");
    // Each match with its host and user, to judge it by.
    const [head, match] = within(result).getAllByRole("row");
    expect(within(head as HTMLElement).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([`Time (${zoneLabel()})`, "Host", "User", "Event"]);
    expect(within(match as HTMLElement).getAllByRole("cell").map((c) => c.textContent)).toEqual([
      expect.any(String),
      "ws-7",
      "CORP\\alice",
      "powershell IEX (New-Object Net.WebClient).DownloadString(...)",
    ]);
    const call = calls.find((c) => c.url === "/api/v1/rules/r-ps/test");
    // The saved rule, unchanged: no source sent.
    expect(call?.body).toEqual({ limit: 100, events: [{ process: { name: "powershell.exe" } }, "<38>Nov 23 10:00:00 web-1 sshd[811]: Failed password for root"] });
    await user.click(within(result).getByRole("button", { name: /^Open matching event/ }));
    const drawer = screen.getByRole("dialog", { name: "Matching event" });
    expect(within(drawer).getByText("powershell.exe")).toBeInTheDocument();
    expect(within(drawer).getByText("host.name")).toBeInTheDocument();
  });

  it("runs a retro-hunt that raises alerts, follows its progress and shows the result", async () => {
    let polls = 0;
    const job = {
      id: "h1", rule_id: "r-ps", rule_title: rule.title, from: "", to: "", raise_alerts: true, status: "running", scanned: 0, total: 600_000,
      progress: 0, alerts_created: 0, alerts_folded: 0, alerts_raised: 0, started_by: "u", started_at: "2026-11-24T06:00:00Z", finished_at: null,
    };
    const { calls } = server({
      more: (call, url) => {
        if (url.pathname === "/api/v1/rules/r-ps/retrohunt" && call.method === "POST") return json(202, job);
        if (url.pathname === "/api/v1/retrohunts/h1") {
          polls++;
          if (polls === 1) return json(200, { ...job, scanned: 300_000, progress: 0.5, alerts_created: 2, alerts_raised: 2 });
          return json(200, { ...job, status: "done", scanned: 600_000, progress: 1, alerts_created: 3, alerts_folded: 1, alerts_raised: 3, finished_at: "2026-11-24T06:01:00Z",
            result: { scanned: 600_000, matched: 4, alerts: 3, matches: [], truncated: false, elapsed_ms: 60_000 } });
        }
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const hunt = await screen.findByRole("region", { name: "Retro-hunt" });
    await user.click(within(hunt).getByRole("button", { name: "30 d" }));
    await user.click(within(hunt).getByLabelText(/Raise alerts/));
    await user.click(within(hunt).getByRole("button", { name: "Start retro-hunt" }));
    const status = await within(hunt).findByRole("status", { name: "Retro-hunt status" });
    expect(await within(status).findByText(/300,000 of 600,000 events scanned, 2 new alerts/)).toBeInTheDocument();
    expect(within(status).getByRole("progressbar", { name: "Retro-hunt progress" })).toHaveAttribute("value", "50");
    expect(await within(status).findByText(/Done: 600,000 events scanned, 4 matched, 3 new alerts, 1 repeat folded into open alerts/, undefined, { timeout: 3000 })).toBeInTheDocument();
    expect(within(status).getByRole("link", { name: "Open them in Alerts" })).toHaveAttribute("href", "/alerts?rule=r-ps");
    const body = calls.find((c) => c.url === "/api/v1/rules/r-ps/retrohunt")?.body as { from: string; to: string; raise_alerts: boolean };
    expect(body.raise_alerts).toBe(true);
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(30 * 86400_000);
  });

  it("cancels a running retro-hunt, and needs the rule saved first", async () => {
    let cancelled = false;
    const job = {
      id: "h2", rule_id: "r-ps", rule_title: rule.title, from: "", to: "", raise_alerts: false, status: "running", scanned: 10, total: 100,
      progress: 0.1, alerts_created: 0, alerts_folded: 0, alerts_raised: 0, started_by: "u", started_at: "2026-11-24T06:00:00Z", finished_at: null,
    };
    const { calls } = server({
      more: (call, url) => {
        if (url.pathname === "/api/v1/rules/r-ps/retrohunt") return json(202, job);
        if (url.pathname === "/api/v1/retrohunts/h2" && call.method === "DELETE") {
          cancelled = true;
          return json(200, { ...job, status: "cancelled" });
        }
        if (url.pathname === "/api/v1/retrohunts/h2") return json(200, cancelled ? { ...job, status: "cancelled" } : job);
        return undefined;
      },
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const hunt = await screen.findByRole("region", { name: "Retro-hunt" });
    await user.click(within(hunt).getByRole("button", { name: "Start retro-hunt" }));
    await user.click(await within(hunt).findByRole("button", { name: "Cancel" }));
    expect(await within(hunt).findByText(/Cancelled after 10 of 100 events scanned; alerts raised so far stay/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/v1/retrohunts/h2")).toBe(true);
    // Unsaved changes: the hunt would not run what the editor shows.
    act(() => editorView().dispatch({ changes: { from: 0, insert: "# edited\n" } }));
    expect(within(hunt).getByRole("button", { name: "Start retro-hunt" })).toBeDisabled();
    expect(within(hunt).getByText("Save the rule first: a retro-hunt runs the saved rule.")).toBeInTheDocument();
  });

  it("backtests over a time range", async () => {
    const { calls } = server({
      more: (_call, url) =>
        url.pathname === "/api/v1/rules/r-ps/test" ? json(200, { scanned: 5000, matched: 0, alerts: 0, matches: [], truncated: false, elapsed_ms: 1200 }) : undefined,
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const test = await screen.findByRole("region", { name: "Test" });
    await user.click(within(test).getByRole("button", { name: "7 d" }));
    const before = Date.now();
    await user.click(within(test).getByRole("button", { name: "Run backtest" }));
    const result = await within(test).findByRole("region", { name: "Test result" });
    expect(result).toHaveTextContent("Backtest over the last 7 days: no event matched.");
    expect(result).toHaveTextContent("1.2 s");
    const body = calls.find((c) => c.url === "/api/v1/rules/r-ps/test")?.body as { from: string; to: string };
    const span = new Date(body.to).getTime() - new Date(body.from).getTime();
    expect(span).toBe(7 * 86400_000);
    expect(new Date(body.to).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("says when a backtest read only part of the range", async () => {
    server({
      more: (_call, url) =>
        url.pathname === "/api/v1/rules/r-ps/test"
          ? json(200, { scanned: 200_000, matched: 3, alerts: 1, matches: [], truncated: true, scan_limited: true, scanned_from: "2026-11-20T06:00:00Z", elapsed_ms: 5000 })
          : undefined,
    });
    const user = userEvent.setup();
    renderEditor("/rules/r-ps");
    const test = await screen.findByRole("region", { name: "Test" });
    await user.click(within(test).getByRole("button", { name: "Run backtest" }));
    expect(await within(test).findByRole("note")).toHaveTextContent(
      `it ran over the newest 200,000, from ${formatZonedTime("2026-11-20T06:00:00Z")} on. A retro-hunt (below, for a saved rule) reads all of them.`,
    );
  });

  it("is read-only for a viewer", async () => {
    server();
    renderEditor("/rules/r-ps", makeMeAs("viewer"));
    await screen.findByRole("heading", { level: 1, name: "Suspicious PowerShell download cradle" });
    expect(screen.queryByRole("button", { name: "Save changes" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete rule" })).not.toBeInTheDocument();
    expect(editorView().state.readOnly).toBe(true);
    expect(screen.getByRole("switch")).toBeDisabled();
    expect(screen.queryByRole("form", { name: "Add an exception" })).not.toBeInTheDocument();
  });

  it("says so when the rule does not exist", async () => {
    server();
    renderEditor("/rules/r-missing");
    expect(await screen.findByRole("heading", { level: 1, name: "Rule not found" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("rule not found");
  });
});
