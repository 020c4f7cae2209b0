import { completionStatus, currentCompletions, startCompletion } from "@codemirror/autocomplete";
import { forEachDiagnostic } from "@codemirror/lint";
import { Text } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createRef } from "react";
import { describe, expect, it, vi } from "vitest";
import type { KqlProblem } from "../api/hunting";
import { SCHEMA } from "../test/hunting";
import { KqlEditor, problemRange, type KqlEditorHandle } from "./KqlEditor";

function renderEditor(value: string, problems: KqlProblem[] = [], onRun = vi.fn()) {
  const ref = createRef<KqlEditorHandle>();
  const onChange = vi.fn();
  const result = render(<KqlEditor ref={ref} value={value} onChange={onChange} onRun={onRun} problems={problems} schema={SCHEMA} label="KQL query" />);
  const box = screen.getByRole("textbox", { name: "KQL query" });
  const view = EditorView.findFromDOM(box.closest(".cm-editor") as HTMLElement);
  if (!view) throw new Error("no editor");
  return { ...result, ref, view, onChange, onRun, box };
}

function markers(view: EditorView) {
  const out: Array<{ from: number; to: number; message: string }> = [];
  forEachDiagnostic(view.state, (d, from, to) => out.push({ from, to, message: d.message }));
  return out;
}

const problem = (line: number, column: number, message = "bad"): KqlProblem => ({ code: "kql_syntax", message, line, column });

describe("problemRange", () => {
  const doc = Text.of(["SecurityEvent", "| where Foo == 1", "| take 😀x 5", "| summarize"]);

  it("covers the name at the line and column", () => {
    const l2 = doc.line(2).from;
    expect(problemRange(doc, 2, 9)).toEqual({ from: l2 + 8, to: l2 + 11 });
    expect(problemRange(doc, 1, 1)).toEqual({ from: 0, to: 13 });
  });

  it("marks one character where no name starts", () => {
    const l2 = doc.line(2).from;
    expect(problemRange(doc, 2, 13)).toEqual({ from: l2 + 12, to: l2 + 13 });
  });

  it("counts columns in characters, as the server does, not UTF-16 units", () => {
    const l3 = doc.line(3).from;
    // "| take 😀x 5": the emoji is column 8 (two UTF-16 units), x is column 9.
    expect(problemRange(doc, 3, 8)).toEqual({ from: l3 + 7, to: l3 + 9 });
    expect(problemRange(doc, 3, 9)).toEqual({ from: l3 + 9, to: l3 + 10 });
  });

  it("is a point at the end of a line (the end of the query), and the whole line without a column", () => {
    const l4 = doc.line(4);
    expect(problemRange(doc, 4, 12)).toEqual({ from: l4.to, to: l4.to });
    expect(problemRange(doc, 4, 99)).toEqual({ from: l4.to, to: l4.to });
    expect(problemRange(doc, 2, 0)).toEqual({ from: doc.line(2).from, to: doc.line(2).to });
    expect(problemRange(doc, 9, 1)).toEqual({ from: l4.from, to: l4.from + 1 });
  });
});

describe("KqlEditor", () => {
  it("marks the server's problems at their exact positions, and clears them", () => {
    const text = "SecurityEvent\n| where Foo == 1";
    const { view, rerender, ref, onChange, onRun } = renderEditor(text, [problem(2, 9, "unknown column 'Foo'")]);
    expect(markers(view)).toEqual([{ from: 22, to: 25, message: "unknown column 'Foo'" }]);
    expect(view.state.sliceDoc(22, 25)).toBe("Foo");
    rerender(<KqlEditor ref={ref} value={text} onChange={onChange} onRun={onRun} problems={[problem(1, 1), problem(2, 99, "expected an expression")]} schema={SCHEMA} label="KQL query" />);
    expect(markers(view)).toEqual([
      { from: 0, to: 13, message: "bad" },
      { from: 30, to: 30, message: "expected an expression" },
    ]);
    rerender(<KqlEditor ref={ref} value={text} onChange={onChange} onRun={onRun} problems={[]} schema={SCHEMA} label="KQL query" />);
    expect(markers(view)).toEqual([]);
  });

  it("runs on Ctrl+Enter without adding a line", async () => {
    const user = userEvent.setup();
    const { view, onRun, box } = renderEditor("Syslog | take 5");
    await user.click(box);
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(onRun).toHaveBeenCalledTimes(1);
    expect(view.state.doc.toString()).toBe("Syslog | take 5");
    // A plain Enter is a new line.
    await user.keyboard("{Enter}");
    expect(onRun).toHaveBeenCalledTimes(1);
    expect(view.state.doc.lines).toBe(2);
  });

  it("reports typing, takes new text from outside, and inserts at the cursor", () => {
    const { view, rerender, ref, onChange, onRun } = renderEditor("Syslog");
    act(() => view.dispatch({ changes: { from: 6, insert: " | take 1" } }));
    expect(onChange).toHaveBeenLastCalledWith("Syslog | take 1");
    rerender(<KqlEditor ref={ref} value="SecurityEvent | where " onChange={onChange} onRun={onRun} problems={[]} schema={SCHEMA} label="KQL query" />);
    expect(view.state.doc.toString()).toBe("SecurityEvent | where ");
    act(() => {
      view.dispatch({ selection: { anchor: view.state.doc.length } });
      ref.current?.insert("Computer");
    });
    expect(view.state.doc.toString()).toBe("SecurityEvent | where Computer");
    act(() => ref.current?.focusAt(1, 17));
    expect(view.state.selection.main.head).toBe(16);
  });

  it("completes from the schema: columns of the table after where", async () => {
    const { view } = renderEditor("SecurityEvent | where Ev");
    act(() => {
      view.dispatch({ selection: { anchor: view.state.doc.length } });
      view.focus();
      startCompletion(view);
    });
    await vi.waitFor(() => expect(completionStatus(view.state)).toBe("active"));
    const labels = currentCompletions(view.state).map((c) => c.label);
    expect(labels[0]).toBe("EventID");
    expect(labels).not.toContain("Syslog");
  });

  it("highlights KQL", () => {
    const { view } = renderEditor('SecurityEvent | where severity == "high" | take 5');
    const spans = [...view.contentDOM.querySelectorAll(".cm-line span")].map((s) => s.textContent);
    expect(spans).toEqual(expect.arrayContaining(["where", '"high"', "take", "5"]));
  });
});
