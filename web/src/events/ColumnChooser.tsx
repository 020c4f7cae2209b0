// Which fields the table shows, besides time and severity: tick the common
// ones or type any field path. The choice is kept in the URL (cols=), so
// that a shared link shows it, and in localStorage for the next visit.

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { DEFAULT_COLUMNS, SUGGESTED_COLUMNS, columnLabel, isFieldPath } from "./fields";

export function ColumnChooser({ columns, onChange }: { columns: readonly string[]; onChange: (columns: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState("");
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const offered = [...SUGGESTED_COLUMNS, ...columns.filter((c) => !SUGGESTED_COLUMNS.includes(c))];

  function toggle(c: string) {
    onChange(columns.includes(c) ? columns.filter((x) => x !== c) : [...columns, c]);
  }

  function add(e: FormEvent) {
    e.preventDefault();
    const field = custom.trim();
    if (!isFieldPath(field)) {
      setError("Type a field path such as process.parent.name.");
      return;
    }
    setError(null);
    setCustom("");
    if (!columns.includes(field)) onChange([...columns, field]);
  }

  return (
    <div className="popover-anchor" ref={root}>
      <button type="button" className="btn btn-small" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        Columns
      </button>
      {open ? (
        <div className="popover column-chooser" id={id} role="group" aria-label="Columns">
          <fieldset>
            <legend>Shown after time and severity</legend>
            <div className="column-list">
              {offered.map((c) => (
                <label key={c} className="check">
                  <input type="checkbox" checked={columns.includes(c)} onChange={() => toggle(c)} />
                  <span>{columnLabel(c) !== c ? `${columnLabel(c)} ` : ""}</span>
                  <code>{c}</code>
                </label>
              ))}
            </div>
          </fieldset>
          <form className="column-add" onSubmit={add}>
            <label htmlFor={`${id}-custom`}>Add a field</label>
            <div className="column-add-row">
              <input id={`${id}-custom`} value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="e.g. process.parent.name" aria-invalid={error ? true : undefined} />
              <button type="submit" className="btn btn-small">
                Add
              </button>
            </div>
            {error ? <div className="field-error">{error}</div> : null}
          </form>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange([...DEFAULT_COLUMNS])}>
            Reset to default
          </button>
        </div>
      ) : null}
    </div>
  );
}
