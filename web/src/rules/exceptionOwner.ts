import type { RuleException } from "../api/detection";

/**
 * Who owns an exception, as a person reads it: the server's owner_name (a
 * display name, "API key NAME" or "EventSec (system)"), else the owner's
 * address; an owner the server no longer knows is said to be gone rather
 * than shown as a bare id.
 */
export function exceptionOwnerLabel(x: Pick<RuleException, "owner" | "owner_email" | "owner_name">): string {
  if (x.owner_name) return x.owner_name;
  if (x.owner_email) return x.owner_email;
  if (!x.owner) return "";
  return "a deleted user";
}
