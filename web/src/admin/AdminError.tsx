import { isApiError } from "../api/client";
import { useCurrentUser } from "../app/session";
import { AccessDenied } from "../ui/AccessDenied";
import { ErrorMessage } from "../ui/ErrorMessage";

/** A failed load in Administration; a 403 reads the same as the UI's own refusal. */
export function AdminError({ error, area = "Administration" }: { error: unknown; area?: string }) {
  const me = useCurrentUser();
  if (isApiError(error) && error.status === 403) return <AccessDenied area={area} role={me.role} />;
  return <ErrorMessage error={error} />;
}
