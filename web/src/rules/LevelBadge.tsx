import { LEVEL_LABELS, isLevel } from "../api/detection";

// The badge colours of the event severity bands; Sigma's "informational" is
// the "info" band.
const BAND: Record<string, string> = { informational: "info", low: "low", medium: "medium", high: "high", critical: "critical" };

/** A rule level or alert severity in words and colour (never colour alone). */
export function LevelBadge({ level, title }: { level: string; title?: string | undefined }) {
  return (
    <span className={`sev sev-${BAND[level] ?? "info"}`} title={title}>
      <span className="sev-mark" aria-hidden="true" />
      {isLevel(level) ? LEVEL_LABELS[level] : level || "Unknown"}
    </span>
  );
}
