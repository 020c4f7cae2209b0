import { SEVERITIES, SEVERITY_LABELS, type Severity } from "../api/types";

/** Severity bands as toggles; none ticked means every band. */
export function SeverityFilter({ value, onChange }: { value: readonly Severity[]; onChange: (value: Severity[]) => void }) {
  return (
    <fieldset className="sev-filter">
      <legend className="sr-only">Severity</legend>
      <span className="sev-filter-label" aria-hidden="true">
        Severity
      </span>
      {SEVERITIES.map((s) => (
        <label key={s} className={`sev-chip sev-chip-${s}`}>
          <input
            type="checkbox"
            checked={value.includes(s)}
            onChange={(e) => onChange(SEVERITIES.filter((x) => (x === s ? e.target.checked : value.includes(x))))}
          />
          <span className="sev-mark" aria-hidden="true" />
          {SEVERITY_LABELS[s]}
        </label>
      ))}
    </fieldset>
  );
}
