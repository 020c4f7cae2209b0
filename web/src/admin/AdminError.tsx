import { isApiError } from "../api/client";
import { useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";

/** A failed load in Administration; a 403 reads the same as the UI's own refusal. */
export function AdminError({ error }: { error: unknown }) {
  const me = useCurrentUser();
  if (isApiError(error) && error.status === 403) return <AccessDenied area="Administration" role={me.role} />;
  return <ErrorMessage error={error} />;
}
