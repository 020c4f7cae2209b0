// The rule source editor: CodeMirror 6 with YAML (Sigma) or JSON, the
// server's validation problems as lint markers at their line and column,
// and colours from the theme's CSS variables so that it follows light and
// dark. Loaded only with the rule editor (React.lazy), never in the main
// bundle.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, foldGutter, foldKeymap, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorSelection, EditorState, type Text } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import type { RuleFormat, RuleProblem } from "../api/detection";

export interface CodeEditorHandle {
  /** Puts the cursor at a 1-based line and column and focuses the editor. */
  focusAt: (line: number, column: number) => void;
}

interface Props {
  value: string;
  format: RuleFormat;
  onChange: (value: string) => void;
  problems: readonly RuleProblem[];
  readOnly?: boolean;
  /** The accessible name of the editing area. */
  label: string;
  /** Ids of elements describing the editor (hints, the problem list). */
  describedBy?: string;
  ref?: Ref<CodeEditorHandle>;
}

const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--cm-key)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--cm-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--cm-number)" },
  { tag: [tags.keyword, tags.operator, tags.definitionKeyword], color: "var(--cm-keyword)" },
  { tag: [tags.comment, tags.lineComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [tags.meta, tags.processingInstruction, tags.labelName, tags.typeName], color: "var(--cm-meta)" },
  { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: "var(--cm-punct)" },
]);

const theme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--text)", fontSize: "13px", height: "100%" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: "1.55",
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
  ".cm-tooltip": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)", borderRadius: "6px" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--danger)" },
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy var(--danger)", textUnderlineOffset: "3px" },
  ".cm-panels": { backgroundColor: "var(--surface-2)", color: "var(--text)" },
  ".cm-panels.cm-panels-bottom": { borderTop: "1px solid var(--border)" },
  ".cm-searchMatch": { backgroundColor: "color-mix(in srgb, var(--sev-medium) 35%, transparent)" },
  ".cm-textfield, .cm-button": { height: "auto" },
});

function language(format: RuleFormat) {
  return format === "json" ? json() : yaml();
}

/**
 * The document offsets of a 1-based line and column, clamped into the text.
 * In YAML the word there is marked; in JSON the value there (a string to its
 * closing quote, else up to the next separator): a JSON rule sent on one
 * line has no blanks to stop at.
 */
export function problemRange(doc: Text, line: number, column: number, format: RuleFormat = "sigma"): { from: number; to: number } {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const from = Math.min(l.from + Math.max(column, 1) - 1, l.to);
  // Mark the word at the position (or the whole line when the column is unknown).
  if (column <= 0) return { from: l.from, to: l.to };
  let to = from;
  const text = l.text;
  const at = (i: number) => text.charAt(i - l.from);
  if (format === "json" && at(from) === '"') {
    to = from + 1;
    while (to < l.to && at(to) !== '"') to += at(to) === "\\" ? 2 : 1;
    return { from, to: Math.min(to + 1, l.to) };
  }
  const stop = format === "json" ? /[\s,:{}[\]]/ : /\s/;
  while (to < l.to && !stop.test(at(to))) to++;
  return { from, to: to === from ? Math.min(from + 1, l.to) : to };
}

export function diagnosticsOf(doc: Text, problems: readonly RuleProblem[], format: RuleFormat = "sigma"): Diagnostic[] {
  return problems.map((p) => {
    const { from, to } = problemRange(doc, p.line, p.column, format);
    return { from, to, severity: "error", message: p.message, source: "EventSec" };
  });
}

export function CodeEditor({ value, format, onChange, problems, readOnly = false, label, describedBy, ref }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const lang = useRef(new Compartment());
  const ro = useRef(new Compartment());
  const attrs = useRef(new Compartment());

  useEffect(() => {
    const parent = host.current;
    if (!parent) return;
    const v = new EditorView({
      parent,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          lintGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          syntaxHighlighting(highlight),
          EditorState.tabSize.of(2),
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...foldKeymap, ...lintKeymap, indentWithTab]),
          lang.current.of(language(format)),
          ro.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          attrs.current.of(contentAttrs(label, describedBy)),
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

  // A new value from outside (a rule loaded, a template chosen) replaces the text, undoably.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const cur = v.state.doc.toString();
    if (cur !== value) v.dispatch({ changes: { from: 0, to: cur.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: lang.current.reconfigure(language(format)) });
  }, [format]);

  useEffect(() => {
    view.current?.dispatch({ effects: ro.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]) });
  }, [readOnly]);

  useEffect(() => {
    view.current?.dispatch({ effects: attrs.current.reconfigure(contentAttrs(label, describedBy)) });
  }, [label, describedBy]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnosticsOf(v.state.doc, problems, format)));
  }, [problems, format]);

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
    }),
    [],
  );

  return <div ref={host} className="code-editor" />;
}

function contentAttrs(label: string, describedBy: string | undefined) {
  const a: Record<string, string> = { "aria-label": label };
  if (describedBy) a["aria-describedby"] = describedBy;
  return EditorView.contentAttributes.of(a);
}
