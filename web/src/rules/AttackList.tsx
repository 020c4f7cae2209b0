import { Link } from "react-router";
import type { AttackTactic, AttackTechnique } from "../api/detection";

/** ATT&CK tactics by name. */
export function TacticList({ tactics }: { tactics: readonly AttackTactic[] }) {
  if (tactics.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="attack-list" aria-label="ATT&CK tactics">
      {tactics.map((t) => (
        <li key={t.id} className="attack-chip attack-tactic" title={t.replaces ? `${t.id}, tagged ${t.replaces} (retired)` : t.id}>
          {t.replaces ? `${t.replaces} → ` : ""}
          {t.name || t.id}
        </li>
      ))}
    </ul>
  );
}

/**
 * ATT&CK techniques by id and name; with `link`, each opens the rules
 * tagged with it. `max` shows the first few and counts the rest.
 */
export function TechniqueList({ techniques, link = false, max }: { techniques: readonly AttackTechnique[]; link?: boolean; max?: number }) {
  if (techniques.length === 0) return <span className="muted">—</span>;
  // A revoked ID the rule is tagged with shows before the technique that replaced it.
  const id = (t: AttackTechnique) => (t.replaces ? `${t.replaces} → ${t.id}` : t.id);
  const shown = max !== undefined ? techniques.slice(0, max) : techniques;
  const more = techniques.length - shown.length;
  return (
    <ul className="attack-list" aria-label="ATT&CK techniques">
      {shown.map((t) => (
        <li key={t.id} className="attack-chip" title={`${id(t)} ${t.name}${t.status ? ` (${t.status})` : ""}`}>
          {link ? (
            <Link to={`/rules?technique=${encodeURIComponent(t.id)}`}>
              <span className="attack-id">{id(t)}</span> {t.name}
            </Link>
          ) : (
            <>
              <span className="attack-id">{id(t)}</span> {t.name}
            </>
          )}
        </li>
      ))}
      {more > 0 ? (
        <li className="attack-more muted" title={techniques.slice(shown.length).map((t) => `${id(t)} ${t.name}`).join("\n")}>
          +{more} more
        </li>
      ) : null}
    </ul>
  );
}
