// The KQL editor: CodeMirror 6 with the KQL tokenizer (kqlLanguage.ts),
// completion from the server's schema (kqlComplete.ts), the server's
// problems as lint markers at their line and column, and Ctrl/Cmd+Enter
// to run. Loaded only with the Hunting page (React.lazy).

import { autocompletion, closeCompletion } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorSelection, EditorState, Prec, type Text } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import type { KqlProblem, KqlSchema } from "../api/hunting";
import { kqlCompletionSource } from "./kqlComplete";
import { kqlHighlight, kqlLanguage } from "./kqlLanguage";

export interface KqlEditorHandle {
  /** Puts the cursor at a 1-based line and column and focuses the editor. */
  focusAt: (line: number, column: number) => void;
  /** Types `text` at the cursor (over the selection) and focuses the editor. */
  insert: (text: string) => void;
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Run the query (Ctrl/Cmd+Enter). */
  onRun: () => void;
  problems: readonly KqlProblem[];
  schema: KqlSchema | undefined;
  /** The accessible name of the editing area. */
  label: string;
  describedBy?: string;
  placeholderText?: string;
  ref?: Ref<KqlEditorHandle>;
}

const theme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--text)", fontSize: "13.5px", height: "100%" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: "1.6",
  },
  ".cm-content": { caretColor: "var(--text)", padding: "8px 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--muted)", border: "none", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--primary) 6%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--primary) 10%, transparent)", color: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "color-mix(in srgb, var(--primary) 28%, transparent) !important",
  },
  ".cm-selectionMatch": { backgroundColor: "color-mix(in srgb, var(--primary) 14%, transparent)" },
  ".cm-matchingBracket": { backgroundColor: "color-mix(in srgb, var(--primary) 22%, transparent)", outline: "none" },
  ".cm-placeholder": { color: "var(--muted)" },
  ".cm-tooltip": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)", borderRadius: "6px", boxShadow: "var(--shadow)" },
  ".cm-tooltip-autocomplete > ul": { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: "12.5px", maxHeight: "16em" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--primary)", color: "var(--primary-text)" },
  ".cm-completionDetail": { marginLeft: "1em", fontStyle: "normal", color: "var(--muted)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected] .cm-completionDetail": { color: "inherit" },
  ".cm-completionInfo": { maxWidth: "320px", padding: "6px 8px", fontSize: "12.5px" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--danger)" },
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy var(--danger)", textUnderlineOffset: "3px" },
  ".cm-lintPoint-error:after": { borderBottomColor: "var(--danger)" },
  ".cm-panels": { backgroundColor: "var(--surface-2)", color: "var(--text)" },
  ".cm-panels.cm-panels-bottom": { borderTop: "1px solid var(--border)" },
  ".cm-searchMatch": { backgroundColor: "color-mix(in srgb, var(--sev-medium) 35%, transparent)" },
  ".cm-textfield, .cm-button": { height: "auto" },
});

/**
 * The document offsets of a 1-based line and column, clamped into the
 * text. The server counts columns in characters (code points); the
 * document in UTF-16 units, so characters outside the BMP count twice
 * here. The range covers the name or number at the position, one
 * character otherwise, and is empty at the end of a line (the end of the
 * query: a point marker).
 */
export function problemRange(doc: Text, line: number, column: number): { from: number; to: number } {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  if (column <= 0) return { from: l.from, to: l.to };
  const text = l.text;
  let offset = 0;
  for (let c = 1; c < column && offset < text.length; c++) {
    const code = text.codePointAt(offset) ?? 0;
    offset += code > 0xffff ? 2 : 1;
  }
  const from = l.from + Math.min(offset, text.length);
  if (from >= l.to) return { from: l.to, to: l.to };
  const rest = text.slice(from - l.from);
  const word = /^[\w$]+/.exec(rest);
  if (word) return { from, to: from + word[0].length };
  const code = rest.codePointAt(0) ?? 0;
  return { from, to: from + (code > 0xffff ? 2 : 1) };
}

export function diagnosticsOf(doc: Text, problems: readonly KqlProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const { from, to } = problemRange(doc, p.line, p.column);
    return { from, to, severity: "error", message: p.message, source: p.code === "kql_semantic" ? "KQL (meaning)" : "KQL" };
  });
}

export function KqlEditor({ value, onChange, onRun, problems, schema, label, describedBy, placeholderText, ref }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const onRunRef = useRef(onRun);
  onRunRef.current = onRun;
  const schemaRef = useRef(schema);
  schemaRef.current = schema;

  useEffect(() => {
    const parent = host.current;
    if (!parent) return;
    const runKey = (target: EditorView) => {
      closeCompletion(target);
      onRunRef.current();
      return true;
    };
    const attrs: Record<string, string> = { "aria-label": label };
    if (describedBy) attrs["aria-describedby"] = describedBy;
    const v = new EditorView({
      parent,
      state: EditorState.create({
        doc: value,
        extensions: [
          // Ctrl+Enter (and Cmd+Enter on a Mac) runs, before the default keymap's "insert blank line" sees it.
          Prec.highest(keymap.of(["Mod-Enter", "Ctrl-Enter"].map((key) => ({ key, run: runKey })))),
          lineNumbers(),
          highlightActiveLineGutter(),
          lintGutter(),
          history(),
          drawSelection(),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          kqlLanguage,
          syntaxHighlighting(kqlHighlight),
          autocompletion({ override: [kqlCompletionSource(() => schemaRef.current)], icons: false }),
          EditorState.tabSize.of(4),
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap, indentWithTab]),
          placeholder(placeholderText ?? ""),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of(attrs),
          theme,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is made once; the effects below keep it in step with the props.
  }, []);

  // A new value from outside (history, a saved query) replaces the text, undoably.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const cur = v.state.doc.toString();
    if (cur !== value) v.dispatch({ changes: { from: 0, to: cur.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnosticsOf(v.state.doc, problems)));
  }, [problems]);

  useImperativeHandle(
    ref,
    () => ({
      focusAt(line, column) {
        const v = view.current;
        if (!v) return;
        const { from } = problemRange(v.state.doc, line, column);
        v.dispatch({ selection: EditorSelection.cursor(from), scrollIntoView: true });
        v.focus();
      },
      insert(text) {
        const v = view.current;
        if (!v) return;
        v.dispatch(v.state.replaceSelection(text), { scrollIntoView: true, userEvent: "input" });
        v.focus();
      },
    }),
    [],
  );

  return <div ref={host} className="code-editor kql-editor" />;
}
