// The rules list: search and filters from the server's facets, a page of
// rules at a time, a quick enable/disable on every row, bulk actions on
// the rules ticked or on every rule the filters match, the ways in (a new
// rule, or a pack imported from a ZIP) and out (an export of what the
// filters select).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Fragment, memo, useCallback, useEffect, useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import {
  RULE_SORTS,
  bulkFilter,
  detectionApi,
  detectionKeys,
  evalTimeTitle,
  formatEvalTime,
  useCoverage,
  useRules,
  type RuleList,
  type RuleSort,
  type RuleSummary,
} from "../api/detection";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useSearchDraft } from "../ui/useSearchDraft";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { TechniqueList } from "./AttackList";
import { ExportRulesButton } from "./ExportRulesButton";
import { ImportDialog } from "./ImportDialog";
import { LevelBadge } from "./LevelBadge";
import { FeedsNote } from "./FeedsNote";
import { RuleBulkBar, rulesCount, type RuleSelection } from "./RuleBulkBar";
import {
  FILTER_KEYS,
  FILTER_LABELS,
  PAGE_SIZE,
  facetLabel,
  facetValues,
  isFiltered,
  readRuleFilters,
  resolveTechnique,
  ruleQuery,
  writeRuleFilters,
  type FilterKey,
  type RuleFilterState,
  type TechniqueOption,
} from "./ruleFilters";

export function RulesListPage() {
  useDocumentTitle("Rules");
  const me = useCurrentUser();
  const writable = hasPermission(me, "rules:write");
  const [params, setParams] = useSearchParams();
  const paramString = params.toString();
  const state = useMemo(() => readRuleFilters(new URLSearchParams(paramString)), [paramString]);
  const query = useMemo(() => ruleQuery(state), [state]);
  const rules = useRules(query);
  const [importing, setImporting] = useState(false);
  // Rules ticked, by id (across pages), or every rule the filters match.
  // A change of search or filters starts over: the selection was of
  // other rules.
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  const filterKey = JSON.stringify(bulkFilter(query));
  useEffect(() => {
    setPicked(new Set());
    setAllMatching(false);
  }, [filterKey]);

  const update = useCallback(
    (next: Partial<RuleFilterState>) => {
      // Any change of search or filter goes back to the first page.
      setParams((prev) => writeRuleFilters({ ...readRuleFilters(prev), page: 1, ...next }));
    },
    [setParams],
  );

  // The search box asks as typing pauses; the URL holds what was asked.
  const [draft, setDraft] = useSearchDraft(state.q, (q) => update({ q }));

  const data = rules.data;
  const total = data?.total ?? 0;
  const filtered = isFiltered(state);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (state.page - 1) * PAGE_SIZE;
  const pageIds = useMemo(() => (data?.rules ?? []).map((r) => r.id), [data]);
  const selection: RuleSelection = allMatching ? { kind: "filter", filter: bulkFilter(query), count: total } : { kind: "ids", ids: [...picked] };
  const pageAllPicked = pageIds.length > 0 && pageIds.every((id) => picked.has(id));
  const clearSelection = useCallback(() => {
    setPicked(new Set());
    setAllMatching(false);
  }, []);
  const onPick = useCallback(
    (ids: readonly string[], on: boolean) => {
      // Unticking a row of "every rule matching" leaves the others of the
      // page ticked, by id.
      const next = new Set(allMatching ? pageIds : picked);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      setAllMatching(false);
      setPicked(next);
    },
    [allMatching, pageIds, picked],
  );
  const techniqueName = useMemo(() => {
    if (!state.technique) return "";
    for (const r of data?.rules ?? []) {
      const t = r.attack.techniques.find((x) => x.id.toUpperCase() === state.technique);
      if (t) return t.name;
    }
    return "";
  }, [data, state.technique]);

  return (
    <div className="rules-list">
      <div className="toolbar rules-toolbar">
        <div className="field rules-search">
          <label htmlFor="rules-search">Search rules</label>
          <input
            id="rules-search"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") update({ q: draft });
            }}
            placeholder="Title, description, rule ID or tag (attack.t1059)"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="page-actions">
          <ExportRulesButton query={query} count={data?.total} filtered={filtered} />
          {writable ? (
            <>
              <button type="button" className="btn" onClick={() => setImporting(true)}>
                Import pack
              </button>
              <Link to="/rules/new" className="btn btn-primary">
                New rule
              </Link>
            </>
          ) : (
            <p className="read-only-note">View only: your role cannot change rules.</p>
          )}
        </div>
      </div>

      <fieldset className="rule-filters">
        <legend className="sr-only">Filters</legend>
        {FILTER_KEYS.map((key) => (
          <Fragment key={key}>
            <FacetSelect name={key} data={data} value={state.filters[key]} onChange={(v) => update({ filters: { ...state.filters, [key]: v || undefined } })} />
            {key === "tactic" ? <TechniqueFilter value={state.technique} rules={data?.rules} onChange={(technique) => update({ technique })} /> : null}
          </Fragment>
        ))}
        <div className="field">
          <label htmlFor="rules-sort">Sort by</label>
          <select id="rules-sort" value={state.sort} onChange={(e) => update({ sort: e.target.value as RuleSort })}>
            {RULE_SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <label className="check rule-filter-check">
          <input type="checkbox" checked={state.notRunnable} onChange={(e) => update({ notRunnable: e.target.checked })} />
          Only rules that cannot run
        </label>
      </fieldset>

      {state.technique || filtered ? (
        <div className="active-filters">
          {state.technique ? (
            <span className="filter-chip">
              Technique <strong>{state.technique}</strong>
              {techniqueName ? ` ${techniqueName}` : ""}
              <button type="button" className="btn-mini" aria-label={`Remove the technique filter ${state.technique}`} onClick={() => update({ technique: "" })}>
                ×
              </button>
            </span>
          ) : null}
          {filtered ? (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => {
                setDraft("");
                setParams(new URLSearchParams());
              }}
            >
              Clear search and filters
            </button>
          ) : null}
        </div>
      ) : null}

      {rules.isError ? <ErrorMessage error={rules.error} /> : null}

      <div className="table-toolbar">
        <span className="muted" role="status">
          {rules.isPending
            ? "Loading rules…"
            : data
              ? total === 0
                ? ""
                : `${(first + 1).toLocaleString()}–${Math.min(first + PAGE_SIZE, total).toLocaleString()} of ${total.toLocaleString()} rule${total === 1 ? "" : "s"}`
              : ""}
        </span>
        {writable && pageAllPicked && !allMatching && total > pageIds.length ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setAllMatching(true)}>
            Select all {rulesCount(total)} matching the filters
          </button>
        ) : null}
      </div>

      {writable ? <RuleBulkBar selection={selection} onClear={clearSelection} /> : null}

      {data && data.rules.length === 0 && !rules.isFetching ? (
        filtered ? (
          <div className="empty empty-left">
            <p className="empty-title">No rules match this search and these filters.</p>
            <p>Try fewer filters or a shorter search.</p>
          </div>
        ) : (
          <div className="empty empty-left">
            <p className="empty-title">No detection rules yet</p>
            <p>
              Rules are Sigma (YAML) or JSON. Write one, or import a pack: a ZIP of Sigma <code>.yml</code> files such as a SigmaHQ release. Every event
              stored from then on is matched against the enabled rules.
            </p>
            {writable ? (
              <div className="page-actions">
                <Link to="/rules/new" className="btn btn-primary">
                  New rule
                </Link>
                <button type="button" className="btn" onClick={() => setImporting(true)}>
                  Import pack
                </button>
              </div>
            ) : (
              <p className="muted">Someone with the right to change rules (an admin or an analyst) adds them.</p>
            )}
          </div>
        )
      ) : data && data.rules.length > 0 ? (
        <RulesTable
          rules={data.rules}
          writable={writable}
          busy={rules.isPlaceholderData}
          sort={state.sort}
          isPicked={(id) => allMatching || picked.has(id)}
          onPick={onPick}
        />
      ) : null}

      {total > PAGE_SIZE ? (
        <nav className="pager" aria-label="Pages of rules">
          <button type="button" className="btn btn-small" disabled={state.page <= 1} onClick={() => setParams((p) => writeRuleFilters({ ...readRuleFilters(p), page: state.page - 1 }))}>
            Previous
          </button>
          <span className="muted">
            Page {state.page.toLocaleString()} of {pages.toLocaleString()}
          </span>
          <button
            type="button"
            className="btn btn-small"
            disabled={state.page >= pages}
            onClick={() => setParams((p) => writeRuleFilters({ ...readRuleFilters(p), page: state.page + 1 }))}
          >
            Next
          </button>
        </nav>
      ) : null}

      {importing ? <ImportDialog onClose={() => setImporting(false)} /> : null}
    </div>
  );
}

/**
 * The technique filter: an ID (T1003 takes its sub-techniques in too,
 * T1003.001 just that one) or a technique's name, applied on Enter, on
 * leaving the field or on picking a suggestion. The suggestions are the
 * ATT&CK matrix's techniques (the coverage page's) and the sub-techniques
 * of the rules listed.
 */
function TechniqueFilter({ value, rules, onChange }: { value: string; rules: readonly RuleSummary[] | undefined; onChange: (id: string) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(value);
    setError(null);
  }, [value]);
  const coverage = useCoverage();
  const options = useMemo(() => {
    const byId = new Map<string, TechniqueOption>();
    for (const tactic of coverage.data?.tactics ?? []) for (const t of tactic.techniques) byId.set(t.id, { id: t.id, name: t.name });
    for (const r of rules ?? []) for (const t of r.attack.techniques) if (!byId.has(t.id)) byId.set(t.id, { id: t.id, name: t.name });
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  }, [coverage.data, rules]);

  function commit(text: string) {
    const r = resolveTechnique(text, options);
    if ("error" in r) {
      setError(r.error);
      return;
    }
    setError(null);
    setDraft(r.id);
    if (r.id !== value) onChange(r.id);
  }

  return (
    <div className="field rule-filter-technique">
      <label htmlFor={`${id}-input`}>Technique</label>
      <input
        id={`${id}-input`}
        type="search"
        list={`${id}-options`}
        value={draft}
        placeholder="T1003 or a name"
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          setError(null);
          // A suggestion picked from the list (not typed): applied at once.
          if ((e.nativeEvent as InputEvent).inputType === "insertReplacementText" && options.some((o) => o.id === e.target.value)) commit(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit(draft);
          }
        }}
        onBlur={() => {
          if (draft.trim().toUpperCase() !== value) commit(draft);
        }}
      />
      <datalist id={`${id}-options`}>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </datalist>
      {error ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function FacetSelect({ name, data, value, onChange }: { name: FilterKey; data: RuleList | undefined; value: string | undefined; onChange: (v: string) => void }) {
  const id = `rules-filter-${name}`;
  const options = facetValues(name, data?.facets?.[name], value);
  return (
    <div className="field">
      <label htmlFor={id}>{FILTER_LABELS[name]}</label>
      <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {facetLabel(name, o.value)}
            {o.count !== undefined ? ` (${o.count.toLocaleString()})` : ""}
          </option>
        ))}
      </select>
    </div>
  );
}

interface TableProps {
  rules: readonly RuleSummary[];
  writable: boolean;
  busy: boolean;
  sort: RuleSort;
  isPicked: (id: string) => boolean;
  onPick: (ids: readonly string[], on: boolean) => void;
}

function RulesTable({ rules, writable, busy, sort, isPicked, onPick }: TableProps) {
  // The column the list is sorted by says so to assistive technology.
  const sorted = (by: RuleSort) => (sort === by ? (by === "title" ? "ascending" : "descending") : undefined);
  const all = rules.length > 0 && rules.every((r) => isPicked(r.id));
  const some = rules.some((r) => isPicked(r.id));
  return (
    <div className="table-wrap">
      <table className="table table-dense rules-table" aria-busy={busy || undefined}>
        <caption className="sr-only">Detection rules</caption>
        <thead>
          <tr>
            {writable ? (
              <th scope="col" className="col-check">
                <input
                  type="checkbox"
                  aria-label="Select all rules on this page"
                  checked={all}
                  ref={(el) => {
                    if (el) el.indeterminate = some && !all;
                  }}
                  onChange={(e) => onPick(rules.map((r) => r.id), e.target.checked)}
                />
              </th>
            ) : null}
            <th scope="col" aria-sort={sorted("title")}>
              Title
            </th>
            <th scope="col" aria-sort={sorted("level")}>
              Level
            </th>
            <th scope="col">Status</th>
            <th scope="col">ATT&amp;CK techniques</th>
            <th scope="col">Log source</th>
            <th scope="col">Pack</th>
            <th scope="col" className="num" aria-sort={sorted("matches")}>
              Matches
            </th>
            <th scope="col" className="num" aria-sort={sorted("alerts")}>
              Alerts
            </th>
            <th scope="col" className="num th-unit" aria-sort={sorted("eval_time")} title="The rule's own average evaluation time per event, measured on a sample of the events">
              Time/event (sampled)
            </th>
            <th scope="col">Enabled</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <RuleRow key={r.id} rule={r} writable={writable} picked={isPicked(r.id)} onPick={onPick} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const RuleRow = memo(function RuleRow({
  rule,
  writable,
  picked,
  onPick,
}: {
  rule: RuleSummary;
  writable: boolean;
  picked: boolean;
  onPick: (ids: readonly string[], on: boolean) => void;
}) {
  const ls = [rule.logsource.product, rule.logsource.category, rule.logsource.service].filter(Boolean);
  return (
    <tr className={[rule.enabled ? "" : "row-muted", picked ? "row-selected" : ""].filter(Boolean).join(" ") || undefined}>
      {writable ? (
        <td className="col-check">
          <input type="checkbox" aria-label={`Select ${rule.title || rule.id}`} checked={picked} onChange={(e) => onPick([rule.id], e.target.checked)} />
        </td>
      ) : null}
      <td className="rule-title-cell">
        <Link to={`/rules/${encodeURIComponent(rule.id)}`} className="rule-title">
          {rule.title || rule.id}
        </Link>
        <span className="rule-kind muted">
          {rule.format === "json" ? "JSON" : "Sigma"} · {rule.kind}
        </span>
        {rule.runnable === false ? (
          <span className="rule-problem" role="note">
            <span className="badge badge-warning">Not runnable</span> {(rule.problem ?? "").replace(/^not runnable: /, "")}
          </span>
        ) : null}
        <FeedsNote feeds={rule.feeds} compact />
      </td>
      <td>
        <LevelBadge level={rule.severity_override || rule.level} title={rule.severity_override ? `Overridden; the rule says ${rule.level}` : undefined} />
      </td>
      <td className="cell-nowrap">{rule.status || <span className="muted">—</span>}</td>
      <td>
        <TechniqueList techniques={rule.attack.techniques} max={3} />
      </td>
      <td className="mono-cell logsource-cell">{ls.length > 0 ? <Breakable text={ls.join(" / ")} /> : <span className="muted">any</span>}</td>
      <td className="cell-nowrap">{rule.pack || <span className="muted">—</span>}</td>
      <td className="num">{rule.stats.matches.toLocaleString()}</td>
      <td className="num">
        {rule.stats.alerts > 0 ? <Link to={`/alerts?rule=${encodeURIComponent(rule.id)}`}>{rule.stats.alerts.toLocaleString()}</Link> : "0"}
      </td>
      <td className="num" title={evalTimeTitle(rule.stats)}>
        {formatEvalTime(rule.stats) || <span className="muted">—</span>}
      </td>
      <td>
        <EnabledSwitch rule={rule} disabled={!writable} />
      </td>
    </tr>
  );
});

/** Turns a rule on or off at once (PATCH), updating the lists that show it. */
export function EnabledSwitch({ rule, disabled }: { rule: Pick<RuleSummary, "id" | "title" | "enabled">; disabled?: boolean }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => detectionApi.patchRule(rule.id, { enabled }),
    onSuccess: (saved) => {
      queryClient.setQueriesData<RuleList>({ queryKey: ["rules", "list"] }, (old) =>
        old ? { ...old, rules: old.rules.map((r) => (r.id === saved.id ? { ...r, enabled: saved.enabled } : r)) } : old,
      );
      queryClient.setQueryData(detectionKeys.rule(saved.id), (old: object | undefined) => (old ? { ...old, enabled: saved.enabled } : old));
      void queryClient.invalidateQueries({ queryKey: detectionKeys.allRules });
    },
  });
  const on = toggle.isPending ? !rule.enabled : rule.enabled;
  return (
    <span className="switch-wrap">
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={on}
        aria-label={`Enabled: ${rule.title || rule.id}`}
        disabled={disabled || toggle.isPending}
        onClick={() => toggle.mutate(!rule.enabled)}
      >
        <span className="switch-knob" aria-hidden="true" />
      </button>
      {toggle.isError ? (
        <span className="field-error" role="alert">
          {(toggle.error as Error).message}
        </span>
      ) : null}
    </span>
  );
}

/** Text that may break after an underscore when its cell is narrow ("process_" / "creation"). */
function Breakable({ text }: { text: string }) {
  const parts = text.split("_");
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? (
            <>
              _<wbr />
            </>
          ) : null}
        </Fragment>
      ))}
    </>
  );
}
