import { SEVERITY_LABELS, isSeverity } from "../api/types";

/** A severity band in words and colour (never colour alone); the score on hover. */
export function SeverityBadge({ label, score }: { label: string; score?: number }) {
  const band = isSeverity(label) ? label : "info";
  return (
    <span className={`sev sev-${band}`} title={score === undefined ? undefined : `Severity ${score} of 100`}>
      <span className="sev-mark" aria-hidden="true" />
      {isSeverity(label) ? SEVERITY_LABELS[label] : label || "Unknown"}
    </span>
  );
}
