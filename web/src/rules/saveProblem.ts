import { isApiError } from "../api/client";
import type { RuleProblem } from "../api/detection";

/**
 * The problem a refused save puts into the editor, at the place the server
 * named: an id or Sigma name another rule has (409 duplicate_rule), or a
 * rule that does not compile (400 invalid_rule). Only while the text is
 * still the one that was refused: an edit since may have fixed it. null
 * for any other failure, which the page reports on its own.
 */
export function saveProblem(error: unknown, refusedSource: string | undefined, source: string): RuleProblem | null {
  if (!isApiError(error) || refusedSource !== source) return null;
  if (error.code !== "duplicate_rule" && error.code !== "invalid_rule") return null;
  const at = error.at;
  return { line: at?.line ?? 1, column: at && at.column > 0 ? at.column : 1, message: error.message };
}

/** Problems with the save's own added, unless validation already says the same at that line. */
export function withSaveProblem(problems: RuleProblem[], extra: RuleProblem | null): RuleProblem[] {
  if (!extra || problems.some((p) => p.line === extra.line && p.message === extra.message)) return problems;
  return [...problems, extra];
}
