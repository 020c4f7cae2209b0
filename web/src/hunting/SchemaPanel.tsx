// The tables a query can read, with their columns and types, from
// GET /api/v1/search/kql/schema: folded by table, searchable by table or
// column name; a name clicked is typed into the query at the cursor.

import { useId, useMemo, useState } from "react";
import type { KqlSchema, KqlTable } from "../api/hunting";
import { ErrorMessage } from "../ui/ErrorMessage";
import { quoteName } from "./kqlComplete";

interface Props {
  schema: KqlSchema | undefined;
  loading: boolean;
  error: unknown;
  onInsert: (text: string) => void;
}

interface Shown {
  table: KqlTable;
  /** The columns to list: all, or those matching the search. */
  columns: KqlTable["columns"];
  /** Open because the search matched a column. */
  forced: boolean;
}

export function filterSchema(tables: readonly KqlTable[], search: string): Shown[] {
  const s = search.trim().toLowerCase();
  if (s === "") return tables.map((table) => ({ table, columns: table.columns, forced: false }));
  const out: Shown[] = [];
  for (const table of tables) {
    const cols = table.columns.filter((c) => c.name.toLowerCase().includes(s));
    if (table.name.toLowerCase().includes(s)) out.push({ table, columns: table.columns, forced: false });
    else if (cols.length > 0) out.push({ table, columns: cols, forced: true });
  }
  return out;
}

export function SchemaPanel({ schema, loading, error, onInsert }: Props) {
  const id = useId();
  const [search, setSearch] = useState("");
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const shown = useMemo(() => filterSchema(schema?.tables ?? [], search), [schema, search]);

  function toggle(name: string) {
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  }

  if (loading) {
    return (
      <p className="muted hunt-side-note" role="status">
        Loading the schema…
      </p>
    );
  }
  if (error && !schema) return <ErrorMessage error={error} />;

  return (
    <div className="schema-panel">
      <div className="field schema-search">
        <label htmlFor={`${id}-search`} className="sr-only">
          Search the schema
        </label>
        <input id={`${id}-search`} type="search" placeholder="Search tables and columns" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {shown.length === 0 ? (
        <p className="muted hunt-side-note">{search.trim() ? `No table or column matches “${search.trim()}”.` : "No tables."}</p>
      ) : (
        <ul className="schema-tables" aria-label="Tables">
          {shown.map(({ table, columns, forced }, index) => {
            const expanded = forced || open.has(table.name);
            const listId = `${id}-t${index}`;
            return (
              <li key={table.name} className="schema-table">
                <div className="schema-table-row">
                  <button
                    type="button"
                    className="schema-toggle"
                    aria-expanded={expanded}
                    aria-controls={listId}
                    aria-label={`Columns of ${table.name}`}
                    onClick={() => toggle(table.name)}
                    disabled={forced}
                  >
                    <span aria-hidden="true">{expanded ? "▾" : "▸"}</span>
                  </button>
                  <button type="button" className="schema-name" title={table.doc || "Insert at the cursor"} aria-label={`Insert table ${table.name}`} onClick={() => onInsert(quoteName(table.name))}>
                    {table.name}
                  </button>
                  <span className="schema-count muted">{table.columns.length}</span>
                </div>
                {expanded ? (
                  <ul id={listId} className="schema-columns" aria-label={`Columns of ${table.name}`}>
                    {columns.map((c) => (
                      <li key={c.name}>
                        <button
                          type="button"
                          className="schema-column"
                          title={c.doc ? `${c.doc} · insert at the cursor` : "Insert at the cursor"}
                          aria-label={`Insert column ${c.name} (${c.type})`}
                          onClick={() => onInsert(quoteName(c.name))}
                        >
                          <span className="schema-column-name">{c.name}</span>
                          <span className="hunt-col-type">{c.type}</span>
                        </button>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
