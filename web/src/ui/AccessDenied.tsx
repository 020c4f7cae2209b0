import { roleLabel } from "../api/types";

/** Told when the role lacks a permission, whether the UI or the API found out. */
export function AccessDenied({ area, role }: { area: string; role: string }) {
  return (
    <div className="alert alert-warning access-denied" role="alert">
      You do not have access to {area} (your role: {roleLabel(role).toLowerCase()}).
    </div>
  );
}
