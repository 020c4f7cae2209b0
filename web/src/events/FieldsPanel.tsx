// The field list beside the Events table, as in Kibana's Discover: the
// fields of the events shown, and for one of them its top values over the
// whole search (not only the page), each with its count and its share of
// the matching events, to filter for or out, and a switch to show the
// field as a table column.

import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useId, useMemo, useState } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import type { EventFilter, SecurityEvent } from "../api/types";
import type { FilterAction } from "./EventDrawer";
import { shownFields, termValue, type ShownField } from "./fields";

const OPEN_KEY = "eventsec.events.fieldsPanel";
/** Values listed per field. */
const TOP = 5;

/**
 * The narrowest window that has room for the panel beside the table's
 * default columns with the message still in view (the sidebar, the panel
 * and about 1,100 px of table). Narrower, the panel starts closed: the
 * message is what people read, and the Fields button is one click away.
 */
const OPEN_FROM_WIDTH = 1700;

/** Whether the panel is open: this browser's last choice, or open the first time where there is room. */
export function loadFieldsPanelOpen(): boolean {
  let stored: string | null = null;
  try {
    stored = window.localStorage.getItem(OPEN_KEY);
  } catch {
    // Unreadable storage: as the first time.
  }
  if (stored === "open" || stored === "closed") return stored === "open";
  return window.innerWidth >= OPEN_FROM_WIDTH;
}

export function saveFieldsPanelOpen(open: boolean): void {
  try {
    window.localStorage.setItem(OPEN_KEY, open ? "open" : "closed");
  } catch {
    // Private windows may refuse storage; the choice still holds for now.
  }
}

/** The toolbar's button that shows or hides the panel. */
export function FieldsToggle({ open, onChange, controls }: { open: boolean; onChange: (open: boolean) => void; controls: string }) {
  return (
    <button
      type="button"
      className={open ? "btn btn-small fields-toggle is-open" : "btn btn-small fields-toggle"}
      aria-expanded={open}
      aria-controls={open ? controls : undefined}
      title={open ? "Hide the field list" : "Show the field list: the fields of these events and their top values"}
      onClick={() => onChange(!open)}
    >
      <span aria-hidden="true" className="fields-toggle-icon">
        {open ? "‹" : "›"}
      </span>
      Fields
    </button>
  );
}

interface PanelProps {
  id: string;
  /** The events shown (every page loaded so far). */
  events: readonly SecurityEvent[];
  /** The page's search, as the API takes it. */
  filter: EventFilter;
  /** How many events the search matches; undefined while counting. */
  total: number | undefined;
  columns: readonly string[];
  onColumnsChange: (columns: string[]) => void;
  onFilter: FilterAction;
}

export function FieldsPanel({ id, events, filter, total, columns, onColumnsChange, onFilter }: PanelProps) {
  const [find, setFind] = useState("");
  const [selected, setSelected] = useState<string | null>(null);
  const fields = useMemo(() => shownFields(events), [events]);
  const needle = useDeferredValue(find.trim().toLowerCase());
  const listed = needle === "" ? fields : fields.filter((f) => f.path.toLowerCase().includes(needle));
  const findId = useId();

  return (
    <aside id={id} className="fields-panel" aria-labelledby={`${id}-title`}>
      <div className="fields-panel-head">
        <h2 id={`${id}-title`}>Fields</h2>
        <span className="muted fields-panel-note">
          {fields.length.toLocaleString()} in {events.length.toLocaleString()} event{events.length === 1 ? "" : "s"} shown
        </span>
      </div>
      <label htmlFor={findId} className="sr-only">
        Find a field
      </label>
      <input id={findId} type="search" className="fields-find" value={find} onChange={(e) => setFind(e.target.value)} placeholder="Find a field" autoComplete="off" spellCheck={false} />
      {listed.length === 0 ? (
        <p className="muted fields-none">{fields.length === 0 ? "Searching…" : `No field matches “${find.trim()}”.`}</p>
      ) : (
        <ul className="fields-list" aria-label="Fields of the events shown">
          {listed.map((f) => (
            <FieldItem
              key={f.path}
              field={f}
              shown={events.length}
              open={selected === f.path}
              onToggle={() => setSelected((cur) => (cur === f.path ? null : f.path))}
              filter={filter}
              total={total}
              isColumn={columns.includes(f.path)}
              onColumn={(on) => onColumnsChange(on ? [...columns, f.path] : columns.filter((c) => c !== f.path))}
              onFilter={onFilter}
            />
          ))}
        </ul>
      )}
    </aside>
  );
}

interface ItemProps {
  field: ShownField;
  shown: number;
  open: boolean;
  onToggle: () => void;
  filter: EventFilter;
  total: number | undefined;
  isColumn: boolean;
  onColumn: (on: boolean) => void;
  onFilter: FilterAction;
}

function FieldItem({ field, shown, open, onToggle, filter, total, isColumn, onColumn, onFilter }: ItemProps) {
  const valuesId = useId();
  return (
    <li className={open ? "field-item is-open" : "field-item"}>
      <button
        type="button"
        className="field-name"
        aria-expanded={open}
        aria-controls={open ? valuesId : undefined}
        title={`${field.path}: in ${field.count.toLocaleString()} of ${shown.toLocaleString()} events shown`}
        onClick={onToggle}
      >
        <span className="field-caret" aria-hidden="true">
          {open ? "▾" : "▸"}
        </span>
        <span className="field-path mono">{field.path}</span>
        {isColumn ? (
          <span className="field-col-mark" title="Shown as a table column">
            <span className="sr-only">, a table column</span>
            <span aria-hidden="true">▦</span>
          </span>
        ) : null}
      </button>
      {open ? <FieldValues id={valuesId} field={field} filter={filter} total={total} isColumn={isColumn} onColumn={onColumn} onFilter={onFilter} /> : null}
    </li>
  );
}

interface ValuesProps {
  id: string;
  field: ShownField;
  filter: EventFilter;
  total: number | undefined;
  isColumn: boolean;
  onColumn: (on: boolean) => void;
  onFilter: FilterAction;
}

function FieldValues({ id, field, filter, total, isColumn, onColumn, onFilter }: ValuesProps) {
  const query = { ...filter, field: field.path, size: TOP };
  const terms = useQuery({
    queryKey: queryKeys.eventTerms(query),
    queryFn: ({ signal }) => api.eventTerms(query, signal),
  });
  const data = terms.data;
  return (
    <div id={id} className="field-values" role="region" aria-label={`Top values of ${field.path}`} aria-busy={terms.isPending}>
      {terms.isPending ? (
        <p className="muted field-values-note">Counting the values over the whole search…</p>
      ) : terms.isError ? (
        <p className="field-error" role="alert">
          The values could not be counted: {(terms.error as Error).message}
        </p>
      ) : data ? (
        <>
          <p className="muted field-values-note">
            {total !== undefined && total > 0
              ? `In ${data.events.toLocaleString()} of ${total.toLocaleString()} matching events (${share(data.events, total)})`
              : `In ${data.events.toLocaleString()} matching event${data.events === 1 ? "" : "s"}`}
          </p>
          {data.terms.length === 0 ? (
            <p className="muted field-values-note">No values in this search.</p>
          ) : (
            <ol className="field-value-list" aria-label={`Top ${data.terms.length} values of ${field.path}`}>
              {data.terms.map((t) => {
                const value = termValue(t.term, field.kind);
                const shownTerm = t.term === "" ? "(empty)" : t.term;
                const part = total !== undefined && total > 0 ? t.count / total : null;
                return (
                  <li key={t.term} className="field-value">
                    <span className="field-value-term mono" title={t.term}>
                      {shownTerm}
                    </span>
                    <span className="field-value-count">
                      {t.count.toLocaleString()}
                      {part !== null ? <span className="muted"> · {share(t.count, total ?? 0)}</span> : null}
                    </span>
                    <span className="field-value-actions">
                      <button type="button" className="btn-mini" aria-label={`Filter for ${field.path}: ${shownTerm}`} title="Filter for this value" onClick={() => onFilter(field.path, value, false)}>
                        <span aria-hidden="true">+</span>
                      </button>
                      <button type="button" className="btn-mini" aria-label={`Filter out ${field.path}: ${shownTerm}`} title="Filter out this value" onClick={() => onFilter(field.path, value, true)}>
                        <span aria-hidden="true">−</span>
                      </button>
                    </span>
                    <span className="term-bar" aria-hidden="true">
                      <span style={{ width: `${Math.min(100, (part ?? 0) * 100)}%` }} />
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
        </>
      ) : null}
      <button type="button" className="btn btn-small field-column-toggle" aria-pressed={isColumn} aria-label={`Show ${field.path} as a table column`} onClick={() => onColumn(!isColumn)}>
        <span aria-hidden="true">{isColumn ? "✓" : "+"}</span> Table column
      </button>
    </div>
  );
}

/**
 * A share as a percentage: whole from 10% to 99%, one decimal below 10%
 * and above 99% (never 100% for a part: 8,411 of 8,431 is 99.8%), "<0.1%"
 * for a trace, ">99.9%" for all but a trace.
 */
export function share(count: number, total: number): string {
  if (total <= 0) return "";
  const pct = (count / total) * 100;
  if (pct > 0 && pct < 0.1) return "<0.1%";
  if (count < total && pct > 99.9) return ">99.9%";
  if (count < total && pct >= 99) return `${Math.floor(pct * 10) / 10}%`;
  return `${pct >= 10 ? Math.round(pct) : Math.round(pct * 10) / 10}%`;
}
