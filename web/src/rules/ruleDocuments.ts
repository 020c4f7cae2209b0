// How the UI names a rule's documents: an alert's rule (a file) and the
// document of it that raised the alert, and the correlations of other
// rules that count a rule's documents (silencing them, per Sigma, unless
// one sets generate: true).
import type { Alert, RuleFeed } from "../api/detection";

/** "File title › document title" for an alert raised by a document that is not the file's own title; the file's title otherwise. */
export function alertRuleLabel(a: Pick<Alert, "rule_id" | "rule_title" | "rule_name">): string {
  const file = a.rule_title || a.rule_id;
  const doc = a.rule_name ?? "";
  if (!doc || doc === file) return file;
  return `${file} › ${doc}`;
}

/** One line per correlation that counts the rule: "feeds correlation X (its own alerts are silenced: generate is false)". */
export function feedLines(feeds: readonly RuleFeed[] | undefined): string[] {
  if (!feeds || feeds.length === 0) return [];
  const byCorr = new Map<string, RuleFeed[]>();
  for (const f of feeds) {
    const key = `${f.rule_id}\u0000${f.correlation_id}`;
    byCorr.set(key, [...(byCorr.get(key) ?? []), f]);
  }
  const out: string[] = [];
  for (const fs of byCorr.values()) {
    const f = fs[0];
    if (!f) continue;
    const corr = f.correlation_title || f.correlation_id;
    const where = f.rule_title && f.rule_title !== corr ? ` of “${f.rule_title}”` : "";
    const docs = Array.from(new Set(fs.map((x) => x.document_title || x.document)));
    const silenced = fs.some((x) => x.silenced);
    out.push(
      `${docs.join(", ")} feeds correlation “${corr}”${where}` +
        (silenced ? " (its own alerts are silenced: generate is false)" : f.generate ? " (generate: true, its own alerts still raise)" : ""),
    );
  }
  return out;
}

/** Whether a correlation of another rule silences one of the rule's documents. */
export function silenced(feeds: readonly RuleFeed[] | undefined): boolean {
  return (feeds ?? []).some((f) => f.silenced);
}
