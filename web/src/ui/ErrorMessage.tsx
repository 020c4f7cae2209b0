import { isApiError } from "../api/client";

/** A failed request, told in the server's words (role="alert"). */
export function ErrorMessage({ error }: { error: unknown }) {
  return (
    <div className="alert alert-error" role="alert">
      {errorText(error)}
    </div>
  );
}

export function errorText(error: unknown): string {
  if (isApiError(error)) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}
