// The rule editor (/rules/new, /rules/:id): the source in CodeMirror,
// validated by the server as it is typed, what the rule is (title, level,
// ATT&CK techniques by name), saving and deleting it, turning it on or off,
// its severity override, its exceptions, and a test panel. Loaded on demand
// (React.lazy) with CodeMirror.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { isApiError } from "../api/client";
import {
  LEVELS,
  LEVEL_LABELS,
  detectionApi,
  detectionKeys,
  evalTimeTitle,
  formatEvalTime,
  useRule,
  type Level,
  type Rule,
  type RuleFormat,
  type RuleProblem,
  type RuleSummary,
} from "../api/detection";
import { hasPermission, useCurrentUser } from "../app/session";
import { ConfirmDialog } from "../ui/Dialog";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import { useDebounced } from "../ui/useDebounced";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { unwrap } from "../ui/unwrap";
import { TacticList, TechniqueList } from "./AttackList";
import { CodeEditor, type CodeEditorHandle } from "./CodeEditor";
import { readDraft, type RuleFactsView } from "./draft";
import { ExceptionsSection } from "./ExceptionsSection";
import { LevelBadge } from "./LevelBadge";
import { RulesRefused } from "./RulesLayout";
import { EnabledSwitch } from "./RulesListPage";
import { JSON_TEMPLATE, templateFor } from "./templates";
import { RetroHuntPanel } from "./RetroHuntPanel";
import { TestPanel } from "./TestPanel";
import { FeedsNote } from "./FeedsNote";
import "./rules.css";
import { saveProblem, withSaveProblem } from "./saveProblem";

const VALIDATE_MS = 400;

export default function RuleEditorPage() {
  const me = useCurrentUser();
  const { id } = useParams();
  if (!hasPermission(me, "rules:read")) return <RulesRefused role={me.role} />;
  return id ? <ExistingRule id={id} /> : <RuleEditor key="new" rule={null} />;
}

function ExistingRule({ id }: { id: string }) {
  const rule = useRule(id);
  useDocumentTitle(rule.data?.title ? `${rule.data.title} · Rules` : "Rule");
  if (rule.isPending) {
    return (
      <div className="page-center" role="status">
        Loading the rule…
      </div>
    );
  }
  // A failed refresh of a rule already shown keeps it on screen.
  if (rule.isError && !rule.data) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">{isApiError(rule.error) && rule.error.status === 404 ? "Rule not found" : "Rule"}</h1>
        </header>
        <ErrorMessage error={rule.error} />
        <p>
          <Link to="/rules">Back to the rules</Link>
        </p>
      </section>
    );
  }
  if (!rule.data) return null;
  return <RuleEditor key={rule.data.id} rule={rule.data} />;
}

function RuleEditor({ rule }: { rule: Rule | null }) {
  const me = useCurrentUser();
  const writable = hasPermission(me, "rules:write");
  const navigate = useNavigate();
  const location = useLocation();
  const justCreated = (location.state as { created?: boolean } | null)?.created === true;
  const queryClient = useQueryClient();
  const ids = useId();
  const editor = useRef<CodeEditorHandle>(null);
  const author = me.name || me.email;

  const [format, setFormat] = useState<RuleFormat>(rule?.format ?? "sigma");
  const [source, setSource] = useState<string>(() => rule?.source ?? templateFor("sigma", author));
  const [enableOnSave, setEnableOnSave] = useState(true);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // The templates this editor offered, to tell an untouched template from the user's text.
  const offered = useRef<Set<string>>(new Set(rule ? [] : [source, JSON_TEMPLATE]));
  const dirty = rule ? source !== rule.source || format !== rule.format : true;
  useDocumentTitle(rule ? `${rule.title} · Rules` : "New rule · Rules");

  // --- Live validation ---
  const asked = useDebounced(useMemo(() => ({ format, source }), [format, source]), VALIDATE_MS);
  // The rule's own id and name are no duplicates of another rule's.
  const ruleId = rule?.id;
  const validation = useQuery({
    queryKey: ["rules", "validate", asked.format, asked.source, ruleId ?? ""],
    queryFn: ({ signal }) => detectionApi.validateRule(ruleId ? { ...asked, rule_id: ruleId } : asked, signal),
    enabled: asked.source.trim() !== "",
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  const settled = asked.format === format && asked.source === source && !validation.isFetching;
  const result = source.trim() === "" ? undefined : validation.data;
  const validated: RuleProblem[] = useMemo(() => result?.errors ?? [], [result]);
  const warnings: RuleProblem[] = result?.warnings ?? [];
  // While the text does not validate, the rule is still what it last was.
  const lastValid = useRef<RuleSummary | null>(null);
  if (result?.rule) lastValid.current = result.rule;
  const invalid = result ? !result.valid : false;
  // A text the server refuses describes no rule to it; what it says of
  // itself is read here instead, so the panel follows the text.
  const known = lastValid.current ?? rule;
  const draft = invalid ? readDraft(format, source, { tactics: known?.attack.tactics, techniques: known?.attack.techniques }) : null;
  const summary: RuleSummary | null = invalid ? null : (result?.rule ?? lastValid.current ?? rule);
  const facts: RuleFactsView | null = invalid ? draft : summary;

  // --- Save, delete, tune ---
  const save = useMutation({
    // The text saved is the mutation's variable: a refusal is marked in the editor while the text is still that one.
    mutationFn: (text: { source: string; format: RuleFormat }) =>
      rule ? detectionApi.updateRule(rule.id, text) : detectionApi.createRule({ ...text, enabled: enableOnSave }),
    onSuccess: (saved) => {
      queryClient.setQueryData(detectionKeys.rule(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: ["rules", "list"] });
      void queryClient.invalidateQueries({ queryKey: detectionKeys.coverage });
      if (!rule) {
        navigate(`/rules/${encodeURIComponent(saved.id)}`, { replace: true, state: { created: true } });
        return;
      }
      // The editor goes on from what the server stored.
      setFormat(saved.format);
      setSource(saved.source);
    },
  });
  const remove = useMutation({
    mutationFn: () => detectionApi.deleteRule(rule?.id ?? ""),
    onSuccess: () => {
      if (rule) queryClient.removeQueries({ queryKey: detectionKeys.rule(rule.id) });
      void queryClient.invalidateQueries({ queryKey: detectionKeys.allRules });
      navigate("/rules", { replace: true });
    },
  });
  const override = useMutation({
    mutationFn: (level: Level | "") => detectionApi.patchRule(rule?.id ?? "", { severity_override: level }),
    onSuccess: (saved) => {
      queryClient.setQueryData(detectionKeys.rule(saved.id), (old: Rule | undefined) => (old ? { ...old, severity_override: saved.severity_override } : old));
      void queryClient.invalidateQueries({ queryKey: ["rules", "list"] });
    },
  });

  // A save the server refused (an id or name another rule has: 409) is marked where the server says, as validation marks.
  const refusedSource = save.variables?.source;
  const problems = useMemo(() => withSaveProblem(validated, saveProblem(save.error, refusedSource, source)), [validated, save.error, refusedSource, source]);

  const canSave = writable && dirty && !invalid && source.trim() !== "" && !save.isPending;
  const saveRef = useRef<() => void>(() => {});
  saveRef.current = () => {
    if (canSave) save.mutate({ source, format });
  };

  // Ctrl/Cmd+S saves, as in every editor.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
        e.preventDefault();
        saveRef.current();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // Leaving with unsaved changes asks first (reload, closing the tab).
  useEffect(() => {
    if (!writable || !dirty || (!rule && offered.current.has(source))) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener("beforeunload", onUnload);
    return () => window.removeEventListener("beforeunload", onUnload);
  }, [writable, dirty, rule, source]);

  const changeFormat = useCallback(
    (next: RuleFormat) => {
      if (next === format) return;
      setFormat(next);
      // An untouched template gives way to the other format's.
      if (!rule && (offered.current.has(source) || source.trim() === "")) {
        const t = templateFor(next, author);
        offered.current.add(t);
        setSource(t);
      }
    },
    [format, rule, source, author],
  );

  const applyTemplate = (f: RuleFormat) => {
    const t = templateFor(f, author);
    offered.current.add(t);
    setFormat(f);
    setSource(t);
  };

  const title = facts?.title || (invalid ? "" : rule?.title) || (rule ? "Untitled rule" : "New rule");
  const level = invalid ? facts?.level : (summary?.level ?? rule?.level);
  const saveError = save.error;

  return (
    <section className="page page-wide rule-editor-page" aria-labelledby="page-title">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/rules">Detection rules</Link> <span aria-hidden="true">/</span> <span>{rule ? "Rule" : "New rule"}</span>
      </nav>
      <header className="page-header page-header-row">
        <div className="rule-heading">
          <h1 id="page-title">{title}</h1>
          <div className="rule-meta-line">
            {level ? <LevelBadge level={rule?.severity_override || level} title={rule?.severity_override ? `Overridden; the rule says ${level}` : undefined} /> : null}
            {facts?.status ? <span className="badge">{facts.status}</span> : null}
            {summary?.kind ? <span className="badge">{summary.kind}</span> : null}
            {invalid ? (
              <>
                <span className="badge badge-warning">Has errors</span>
                <span className="muted">details read from the text, not checked by the server</span>
              </>
            ) : null}
            {rule?.pack ? <span className="badge">pack: {rule.pack}</span> : null}
            {rule?.imported_from ? (
              <span className="muted">
                imported from <code>{rule.imported_from}</code>
              </span>
            ) : null}
            {rule ? (
              <span className="muted">
                Updated <Time value={rule.updated_at} zone />
              </span>
            ) : null}
          </div>
        </div>
        <div className="page-actions">
          {rule ? (
            <label className="switch-label">
              <EnabledSwitch rule={rule} disabled={!writable} />
              <span aria-hidden="true">{rule.enabled ? "Enabled" : "Disabled"}</span>
            </label>
          ) : writable ? (
            <label className="check">
              <input type="checkbox" checked={enableOnSave} onChange={(e) => setEnableOnSave(e.target.checked)} />
              Enable when saved
            </label>
          ) : null}
          {rule && writable ? (
            <button type="button" className="btn btn-danger-ghost" onClick={() => setConfirmDelete(true)}>
              Delete rule
            </button>
          ) : null}
          {writable ? (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => save.mutate({ source, format })}
              disabled={!canSave}
              title={invalid ? "Fix the problems first" : !dirty ? "No changes to save" : "Save (Ctrl+S)"}
            >
              {save.isPending ? "Saving…" : rule ? "Save changes" : "Create rule"}
            </button>
          ) : null}
        </div>
      </header>

      {!writable ? <p className="read-only-note editor-note">View only: your role cannot change rules.</p> : null}
      {saveError ? <SaveError error={saveError} /> : null}
      {(save.isSuccess || justCreated) && rule && !dirty && rule.runnable !== false ? (
        <div className="alert alert-success" role="status">
          {save.isSuccess ? "Saved." : "Rule created."} {rule.enabled ? "It runs on every new event." : "It is disabled: turn it on to run it."}
        </div>
      ) : null}
      {rule && rule.runnable === false ? (
        <div className="alert alert-warning" role="alert">
          This rule does not run: {rule.problem?.replace(/^not runnable: /, "") ?? "it cannot be compiled in this organisation"}.{" "}
          {/placeholder/.test(rule.problem ?? "") ? <Link to="/rules/placeholders">Set the placeholder&apos;s values</Link> : null}
        </div>
      ) : null}
      {rule && (rule.feeds?.length ?? 0) > 0 ? (
        <div className={rule.feeds?.some((f) => f.silenced) ? "alert alert-warning" : "alert"}>
          <FeedsNote feeds={rule.feeds} />
        </div>
      ) : null}

      <div className="editor-grid">
        <div className="editor-main">
          <div className="editor-toolbar">
            <div className="segmented" role="group" aria-label="Rule format">
              {(["sigma", "json"] as const).map((f) => (
                <button key={f} type="button" className="segment" aria-pressed={format === f} onClick={() => changeFormat(f)} disabled={!writable}>
                  {f === "sigma" ? "Sigma (YAML)" : "JSON"}
                </button>
              ))}
            </div>
            {!rule && writable ? (
              <div className="template-choice">
                <span className="muted">Start from:</span>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => applyTemplate("sigma")}>
                  Sigma rule template
                </button>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => applyTemplate("json")}>
                  Brute Force Detection (JSON)
                </button>
              </div>
            ) : null}
            <ValidationState pending={!settled && source.trim() !== ""} empty={source.trim() === ""} result={result} error={validation.error} />
          </div>
          <div className={problems.length > 0 ? "editor-frame editor-frame-invalid" : "editor-frame"}>
            <CodeEditor
              ref={editor}
              value={source}
              format={format}
              onChange={setSource}
              problems={problems}
              readOnly={!writable}
              label={`Rule source (${format === "json" ? "JSON" : "Sigma YAML"})`}
              describedBy={`${ids}-hint`}
            />
          </div>
          <p className="field-hint" id={`${ids}-hint`}>
            Checked by the server as you type. <kbd>Ctrl</kbd>+<kbd>S</kbd> saves; <kbd>Ctrl</kbd>+<kbd>F</kbd> finds; <kbd>Esc</kbd> then <kbd>Tab</kbd> leaves the
            editor.
          </p>
          {warnings.length > 0 ? (
            <ul className="problem-list problem-list-warning" aria-label="Warnings">
              {warnings.map((p, i) => (
                <li key={`${p.line}:${p.column}:${i}`}>
                  <button type="button" className="problem" onClick={() => editor.current?.focusAt(p.line, p.column)}>
                    <span className="problem-pos mono">{p.line > 0 ? `${p.line}:${p.column}` : "—"}</span>
                    <span>{p.message}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {problems.length > 0 ? (
            <ul className="problem-list" aria-label="Problems">
              {problems.map((p, i) => (
                <li key={`${p.line}:${p.column}:${i}`}>
                  <button type="button" className="problem" onClick={() => editor.current?.focusAt(p.line, p.column)}>
                    <span className="problem-pos mono">{p.line > 0 ? (p.column > 0 ? `${p.line}:${p.column}` : `line ${p.line}`) : "—"}</span>
                    <span>{p.message}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>

        <aside className="editor-side" aria-label="About this rule">
          <RuleFacts facts={facts} unchecked={invalid} linkTechniques={!!rule && !invalid} />
          {rule ? (
            <section className="card editor-card" aria-labelledby="tuning-title">
              <h2 id="tuning-title">Tuning</h2>
              <div className="field">
                <label htmlFor={`${ids}-override`}>Severity of its alerts</label>
                <select
                  id={`${ids}-override`}
                  value={rule.severity_override}
                  disabled={!writable || override.isPending}
                  onChange={(e) => override.mutate(e.target.value as Level | "")}
                  aria-describedby={`${ids}-override-hint`}
                >
                  <option value="">As the rule says ({LEVEL_LABELS[rule.level] ?? rule.level})</option>
                  {LEVELS.map((l) => (
                    <option key={l} value={l}>
                      {LEVEL_LABELS[l]}
                    </option>
                  ))}
                </select>
                <div className="field-hint" id={`${ids}-override-hint`}>
                  Overrides the rule's level for the alerts it raises, without editing the rule (a pack update keeps it).
                </div>
              </div>
              {override.isError ? <ErrorMessage error={override.error} /> : null}
              <AlertGrouping key={`${rule.id}:${rule.alert_group_by.join(",")}:${rule.alert_window_minutes}`} rule={rule} writable={writable} />
              <RuleStatsView rule={rule} />
            </section>
          ) : null}
        </aside>
      </div>

      <TestPanel
        ruleId={rule?.id}
        format={format}
        source={source}
        dirty={dirty}
        blocked={source.trim() === "" ? "Write a rule first." : invalid ? "Fix the rule's problems first." : null}
      />

      {rule ? (
        <RetroHuntPanel
          ruleId={rule.id}
          blocked={!writable ? "Retro-hunts need permission to write rules." : dirty ? "Save the rule first: a retro-hunt runs the saved rule." : null}
        />
      ) : null}

      {rule ? <ExceptionsSection ruleId={rule.id} initial={rule.exceptions} writable={writable} /> : null}

      {confirmDelete && rule ? (
        <ConfirmDialog
          title="Delete this rule?"
          confirmLabel="Delete rule"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate()}
          onCancel={() => {
            setConfirmDelete(false);
            remove.reset();
          }}
        >
          <p>
            <strong>{rule.title}</strong> stops matching at once, and its exceptions are deleted with it. Alerts it already raised stay.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function SaveError({ error }: { error: unknown }) {
  if (isApiError(error) && error.code === "invalid_rule") {
    return (
      <div className="alert alert-error" role="alert">
        Not saved: {error.message}
      </div>
    );
  }
  return <ErrorMessage error={error} />;
}

function ValidationState({ pending, empty, result, error }: { pending: boolean; empty: boolean; result: { valid: boolean; errors: RuleProblem[] } | undefined; error: unknown }) {
  let text: string;
  let cls = "validation muted";
  if (empty) text = "Write a rule, or start from a template.";
  else if (error && !result) {
    text = `Cannot check the rule: ${(error as Error).message}`;
    cls = "validation validation-bad";
  } else if (pending && !result) text = "Checking…";
  else if (!result) text = "";
  else if (result.valid) {
    text = pending ? "Valid · checking…" : "Valid";
    cls = "validation validation-ok";
  } else {
    const n = result.errors.length;
    text = `${n.toLocaleString()} problem${n === 1 ? "" : "s"}${pending ? " · checking…" : ""}`;
    cls = "validation validation-bad";
  }
  return (
    <span className={cls} role="status" aria-live="polite">
      {text}
    </span>
  );
}

function RuleFacts({ facts: s, unchecked, linkTechniques }: { facts: RuleFactsView | null; unchecked: boolean; linkTechniques: boolean }) {
  const note = unchecked ? (
    <p className="facts-unchecked" role="note">
      The rule has errors: this is read from the text as it stands and may be incomplete. The server checks it again once the errors are fixed.
    </p>
  ) : null;
  if (!s) {
    return (
      <section className="card editor-card" aria-labelledby="facts-title">
        <h2 id="facts-title">The rule</h2>
        {note}
        <p className="muted">
          {unchecked
            ? "Nothing can be read from the text yet."
            : "What the rule is (its level, log source and ATT&CK techniques) shows here once it validates."}
        </p>
      </section>
    );
  }
  const ls = [s.logsource.product, s.logsource.category, s.logsource.service].filter(Boolean);
  return (
    <section className="card editor-card" aria-labelledby="facts-title">
      <h2 id="facts-title">The rule</h2>
      {note}
      {s.description ? <p className="rule-description">{unwrap(s.description)}</p> : null}
      <dl className="facts">
        <div>
          <dt>Level</dt>
          <dd>
            {s.level ? <LevelBadge level={s.level} /> : <span className="muted">—</span>}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{s.status || <span className="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Log source</dt>
          <dd className="mono">{ls.length > 0 ? ls.join(" / ") : <span className="muted">any</span>}</dd>
        </div>
        {s.author ? (
          <div>
            <dt>Author</dt>
            <dd>{s.author}</dd>
          </div>
        ) : null}
        <div className="facts-wide">
          <dt>ATT&amp;CK tactics</dt>
          <dd>
            <TacticList tactics={s.attack.tactics} />
          </dd>
        </div>
        <div className="facts-wide">
          <dt>ATT&amp;CK techniques</dt>
          <dd>
            <TechniqueList techniques={s.attack.techniques} link={linkTechniques} />
          </dd>
        </div>
        {s.falsepositives.length > 0 ? (
          <div className="facts-wide">
            <dt>False positives</dt>
            <dd>
              <ul className="plain-list">
                {s.falsepositives.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
            </dd>
          </div>
        ) : null}
        {s.references.length > 0 ? (
          <div className="facts-wide">
            <dt>References</dt>
            <dd>
              <ul className="plain-list">
                {s.references.map((r) => (
                  <li key={r}>
                    {/^https?:\/\//.test(r) ? (
                      <a href={r} target="_blank" rel="noreferrer noopener">
                        {r}
                      </a>
                    ) : (
                      r
                    )}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
}

function RuleStatsView({ rule }: { rule: Rule }) {
  const s = rule.stats;
  return (
    <dl className="facts rule-stats" aria-label="What the rule did">
      <div>
        <dt>Matches</dt>
        <dd>{s.matches.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Alerts</dt>
        <dd>{s.alerts > 0 ? <Link to={`/alerts?rule=${encodeURIComponent(rule.id)}`}>{s.alerts.toLocaleString()}</Link> : "0"}</dd>
      </div>
      <div>
        <dt>Last match</dt>
        <dd title="When detection last matched an event (the time it ran, not the event's own time, which alerts show)">
          <Time value={s.last_match_at} empty="never" zone />
        </dd>
      </div>
      <div>
        <dt>Avg time per event (sampled)</dt>
        <dd title={formatEvalTime(s) ? `The rule's own evaluation time, averaged ${evalTimeTitle(s)}` : evalTimeTitle(s)}>
          {formatEvalTime(s) || <span className="muted">—</span>}
        </dd>
      </div>
    </dl>
  );
}

/** The choices of how far apart repeats fold into one alert, in minutes (0: the default). */
export const ALERT_WINDOWS: Array<[number, string]> = [
  [0, "24 hours (the default)"],
  [5, "5 minutes"],
  [15, "15 minutes"],
  [60, "1 hour"],
  [240, "4 hours"],
  [720, "12 hours"],
  [1440 * 7, "7 days"],
  [1440 * 30, "30 days"],
];

/** Parses the grouping fields as typed: names separated by commas or spaces. */
export function parseGroupBy(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((f) => f.trim())
    .filter((f) => f !== "");
}

/**
 * A rule's alert grouping: which fields key its alerts (a repeat with the
 * same values folds into the open alert) and how far apart repeats fold.
 */
function AlertGrouping({ rule, writable }: { rule: Rule; writable: boolean }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState(rule.alert_group_by.join(", "));
  const [windowMin, setWindowMin] = useState(rule.alert_window_minutes);
  const save = useMutation({
    mutationFn: () => detectionApi.patchRule(rule.id, { alert_group_by: parseGroupBy(fields), alert_window_minutes: windowMin }),
    onSuccess: (saved) => {
      queryClient.setQueryData(detectionKeys.rule(saved.id), (old: Rule | undefined) =>
        old ? { ...old, alert_group_by: saved.alert_group_by, alert_window_minutes: saved.alert_window_minutes } : old,
      );
      void queryClient.invalidateQueries({ queryKey: ["rules", "list"] });
    },
  });
  const dirty = parseGroupBy(fields).join(",") !== rule.alert_group_by.join(",") || windowMin !== rule.alert_window_minutes;
  const windows = ALERT_WINDOWS.some(([m]) => m === rule.alert_window_minutes) ? ALERT_WINDOWS : [...ALERT_WINDOWS, [rule.alert_window_minutes, `${rule.alert_window_minutes} minutes`] as [number, string]];
  return (
    <form
      className="alert-grouping"
      aria-label="Alert grouping"
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty) save.mutate();
      }}
    >
      {rule.kind === "scheduled" ? (
        <p className="field-hint">A scheduled query raises one alert per run: group in its query (summarize … by).</p>
      ) : (
        <div className="field">
          <label htmlFor={`${ids}-group`}>Group its alerts by</label>
          <input
            id={`${ids}-group`}
            className="mono"
            value={fields}
            placeholder="host.name, user.name, source.ip"
            disabled={!writable || save.isPending}
            onChange={(e) => setFields(e.target.value)}
            aria-describedby={`${ids}-group-hint`}
          />
          <div className="field-hint" id={`${ids}-group-hint`}>
            Up to 5 fields (ECS or Sigma names): a repeat with the same values is folded into the open alert. Empty: host, user and source address.
          </div>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${ids}-window`}>Fold repeats within</label>
        <select id={`${ids}-window`} value={windowMin} disabled={!writable || save.isPending} onChange={(e) => setWindowMin(Number(e.target.value))}>
          {windows.map(([m, label]) => (
            <option key={m} value={m}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {writable ? (
        <button type="submit" className="btn btn-small" disabled={!dirty || save.isPending}>
          {save.isPending ? "Saving…" : "Save grouping"}
        </button>
      ) : null}
      {save.isError ? <ErrorMessage error={save.error} /> : null}
    </form>
  );
}
