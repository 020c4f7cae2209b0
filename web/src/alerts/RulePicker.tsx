// The Alerts page's Rule filter: a search over all the organisation's
// rules (GET /api/v1/rules?q=), most alerts first, not only the ten rules
// the stats name. A reader without rules:read cannot list rules and picks
// from those ten.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { detectionApi, detectionKeys, useRule, type AlertStats, type RuleQuery } from "../api/detection";
import { useDebounced } from "../ui/useDebounced";

/** How many rules the picker lists at once; typing narrows them. */
export const PICKER_LIMIT = 20;

interface Props {
  /** The chosen rule's ID; "" for all rules. */
  value: string;
  onChange: (ruleId: string) => void;
  /** The rules with most alerts in the range, from the stats (undefined while they load). */
  topRules: AlertStats["top_rules"] | undefined;
  canReadRules: boolean;
}

export function RulePicker({ value, onChange, topRules, canReadRules }: Props) {
  if (!canReadRules) return <TopRulesSelect value={value} onChange={onChange} topRules={topRules} />;
  return <RuleSearch value={value} onChange={onChange} topRules={topRules} />;
}

function TopRulesSelect({ value, onChange, topRules }: Omit<Props, "canReadRules">) {
  const rules = topRules ?? [];
  const known = rules.some((r) => r.rule_id === value);
  return (
    <div className="field">
      <label htmlFor="alerts-rule">Rule</label>
      <select id="alerts-rule" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All rules</option>
        {value && !known ? <option value={value}>This rule ({value})</option> : null}
        {rules.map((r) => (
          <option key={r.rule_id} value={r.rule_id}>
            {r.title} ({r.count.toLocaleString()})
          </option>
        ))}
      </select>
    </div>
  );
}

interface Choice {
  id: string;
  title: string;
  note: string;
}

function RuleSearch({ value, onChange, topRules }: Omit<Props, "canReadRules">) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const q = useDebounced(text.trim(), 250);
  const query: RuleQuery = { q, sort: "alerts", limit: PICKER_LIMIT };
  const rules = useQuery({
    queryKey: detectionKeys.rules(query),
    queryFn: ({ signal }) => detectionApi.listRules(query, signal),
    enabled: open,
    placeholderData: keepPreviousData,
  });
  const chosen = useRule(value && !topRules?.some((r) => r.rule_id === value) ? value : undefined);
  const chosenTitle = value ? (topRules?.find((r) => r.rule_id === value)?.title ?? chosen.data?.title ?? value) : "";

  const choices: Choice[] = [
    ...(q === "" ? [{ id: "", title: "All rules", note: "" }] : []),
    ...(rules.data?.rules ?? []).map((r) => ({
      id: r.id,
      title: r.title || r.id,
      note: `${r.stats.alerts.toLocaleString()} alert${r.stats.alerts === 1 ? "" : "s"}${r.enabled ? "" : " · disabled"}`,
    })),
  ];
  const total = rules.data?.total ?? 0;
  const shown = rules.data?.rules.length ?? 0;

  function pick(c: Choice) {
    onChange(c.id);
    setOpen(false);
    setText("");
    input.current?.blur();
  }

  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) setOpen(true);
      setActive((i) => Math.max(0, Math.min(choices.length - 1, i + (e.key === "ArrowDown" ? 1 : -1))));
    } else if (e.key === "Enter" && open) {
      e.preventDefault();
      const c = choices[active];
      if (c) pick(c);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
      setText("");
    }
  }

  const listId = `${id}-list`;
  return (
    <div className="field rule-picker">
      <label htmlFor="alerts-rule">Rule</label>
      <div className="rule-picker-box">
        <input
          ref={input}
          id="alerts-rule"
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && choices[active] ? `${id}-opt-${active}` : undefined}
          value={open ? text : chosenTitle}
          placeholder={open ? "Search the rules by title…" : "All rules"}
          title={chosenTitle || undefined}
          autoComplete="off"
          spellCheck={false}
          onFocus={() => {
            setOpen(true);
            setActive(0);
          }}
          onBlur={() => {
            setOpen(false);
            setText("");
          }}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKey}
        />
        {value && !open ? (
          <button type="button" className="rule-picker-clear" aria-label="Show alerts of all rules" title="All rules" onClick={() => onChange("")}>
            ×
          </button>
        ) : null}
      </div>
      {open ? (
        <div className="popover rule-picker-pop">
          <ul id={listId} role="listbox" aria-label="Rules" className="rule-picker-list">
            {choices.map((c, i) => (
              <li
                key={c.id || "all"}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={c.id === value}
                className={i === active ? "rule-picker-option active" : "rule-picker-option"}
                // Picking must not blur the input first (the list would close before the click).
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(c)}
                onMouseEnter={() => setActive(i)}
              >
                <span className="rule-picker-title">{c.title}</span>
                {c.note ? <span className="muted rule-picker-note">{c.note}</span> : null}
              </li>
            ))}
          </ul>
          <p className="muted rule-picker-status" role="status">
            {rules.isPending
              ? "Loading the rules…"
              : rules.isError
                ? "Cannot list the rules."
                : shown === 0
                  ? `No rule matches “${q}”.`
                  : total > shown
                    ? `The ${shown.toLocaleString()} with most alerts of ${total.toLocaleString()} rules: type to narrow.`
                    : `${total.toLocaleString()} rule${total === 1 ? "" : "s"}, most alerts first.`}
          </p>
        </div>
      ) : null}
    </div>
  );
}
