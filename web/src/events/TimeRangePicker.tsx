import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { formatTimeRange } from "../ui/time";
import { PRESETS, fromLocalInput, presetSpanMs, toLocalInput, type PresetKey, type TimeRange } from "./searchState";

interface Props {
  range: TimeRange;
  onChange: (range: TimeRange) => void;
  /** Without it, only the presets. */
  allowAbsolute?: boolean;
  presets?: readonly PresetKey[];
}

/** Presets (15 min … 1 y, all time) and an absolute from/to in the reader's time zone. */
export function TimeRangePicker({ range, onChange, allowAbsolute = true, presets }: Props) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);
  const shown = PRESETS.filter((p) => !presets || presets.includes(p.key));
  const root = useRef<HTMLDivElement>(null);
  const customButton = useRef<HTMLButtonElement>(null);

  /** Closes the custom range, the focus back on its button (where the reader was). */
  function close() {
    setEditing(false);
    customButton.current?.focus();
  }

  // Esc and a click outside close it, as the other popovers do (the
  // Columns chooser). A click outside leaves the focus where it went (a
  // field, a button), or, when it went nowhere the keyboard can reach (the
  // page, or the main region, which takes focus only from scripts), puts
  // it back on Custom.
  useEffect(() => {
    if (!editing) return;
    const onDown = (e: MouseEvent) => {
      if (!root.current || root.current.contains(e.target as Node)) return;
      setEditing(false);
      // After the browser has moved the focus for this click.
      setTimeout(() => {
        const active = document.activeElement as HTMLElement | null;
        if (!active || active === document.body || active.tabIndex < 0) customButton.current?.focus();
      }, 0);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      const active = document.activeElement;
      setEditing(false);
      if (!active || active === document.body || root.current?.contains(active)) customButton.current?.focus();
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [editing]);

  function openCustom() {
    if (editing) {
      setEditing(false);
      return;
    }
    // Start from the range shown now.
    const now = Date.now();
    const start = range.kind === "absolute" ? range.from : new Date(now - presetMs(range.preset)).toISOString();
    const end = range.kind === "absolute" ? range.to : new Date(now).toISOString();
    setFrom(toLocalInput(start));
    setTo(toLocalInput(end));
    setError(null);
    setEditing(true);
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (!f || !t) {
      setError("Enter both a start and an end.");
      return;
    }
    if (f >= t) {
      setError("The start must be before the end.");
      return;
    }
    setError(null);
    close();
    onChange({ kind: "absolute", from: f, to: t });
  }

  return (
    <div className="range-picker" ref={root}>
      <div className="segmented" role="group" aria-label="Time range">
        {shown.map((p) => (
          <button
            key={p.key}
            type="button"
            className="segment"
            aria-pressed={range.kind === "preset" && range.preset === p.key}
            title={p.long}
            onClick={() => {
              setEditing(false);
              onChange({ kind: "preset", preset: p.key });
            }}
          >
            {p.label}
          </button>
        ))}
        {allowAbsolute ? (
          <button
            ref={customButton}
            type="button"
            className="segment"
            aria-pressed={range.kind === "absolute"}
            aria-expanded={editing}
            aria-controls={`${id}-custom`}
            onClick={openCustom}
          >
            {range.kind === "absolute" ? formatTimeRange(range.from, range.to) : "Custom"}
          </button>
        ) : null}
      </div>
      {editing ? (
        <form id={`${id}-custom`} className="popover range-custom" onSubmit={apply} aria-label="Custom time range" noValidate>
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input id={`${id}-from`} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input id={`${id}-to`} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </div>
          {error ? (
            <div className="field-error" role="alert">
              {error}
            </div>
          ) : null}
          <div className="range-custom-actions">
            <button type="button" className="btn btn-small" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="btn btn-small btn-primary">
              Apply range
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

/** How far back a preset reaches; all time reaches back to the Unix epoch. */
export function presetMs(key: PresetKey): number {
  return presetSpanMs(key) ?? Date.now();
}
