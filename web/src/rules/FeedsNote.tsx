// The note a rule carries in the rules list and on its page when
// correlations of other rules count its documents: such a correlation
// silences the rule's own alerts unless it sets generate: true (Sigma).
import { Link } from "react-router";
import type { RuleFeed } from "../api/detection";
import { feedLines, silenced } from "./ruleDocuments";

export function FeedsNote({ feeds, compact = false }: { feeds: readonly RuleFeed[] | undefined; compact?: boolean }) {
  const lines = feedLines(feeds);
  if (lines.length === 0) return null;
  const muted = silenced(feeds);
  const rules = Array.from(new Map((feeds ?? []).map((f) => [f.rule_id, f.rule_title || f.rule_id])).entries());
  return (
    <span className={compact ? "rule-problem" : "rule-feeds"} role="note">
      <span className={muted ? "badge badge-warning" : "badge"}>{muted ? "Alerts silenced" : "Feeds a correlation"}</span> {lines.join("; ")}
      {compact ? null : (
        <>
          {" "}
          {rules.map(([id, title], i) => (
            <span key={id}>
              {i > 0 ? ", " : ""}
              <Link to={`/rules/${encodeURIComponent(id)}`}>Open “{title}”</Link>
            </span>
          ))}
        </>
      )}
    </span>
  );
}
