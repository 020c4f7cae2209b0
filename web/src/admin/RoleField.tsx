// Role choices come from GET /api/v1/roles, each explained by the server's own
// description. Until that answer arrives (or if it fails) the roles this UI
// knows are offered, without descriptions, so that a form never waits on it.

import { useRoles } from "../api/queries";
import { ROLES, roleLabel, type APIKeyRole, type RoleInfo } from "../api/types";
import { SelectField } from "../ui/form";

const KNOWN_ROLES: readonly RoleInfo[] = ROLES.map((name) => ({ name, description: "", permissions: [] }));

/**
 * The roles a user may have, most powerful first, from the server once it
 * has answered. Roles only API keys may hold (`ingest`) are left out.
 */
export function useRoleChoices(): readonly RoleInfo[] {
  const all = useApiKeyRoleChoices();
  return all.filter((r) => !r.api_key_only);
}

/** Every role an API key may hold: the user roles and the API-key-only ones. */
export function useApiKeyRoleChoices(): readonly RoleInfo[] {
  const roles = useRoles();
  const items = roles.data?.items;
  return items && items.length > 0 ? items : KNOWN_ROLES;
}

/**
 * The roles no more powerful than `role` (the server lists them most
 * powerful first), e.g. what an API key created by `role` may hold.
 */
export function rolesUpTo(choices: readonly RoleInfo[], role: string): readonly RoleInfo[] {
  const i = choices.findIndex((r) => r.name === role);
  return i < 0 ? choices : choices.slice(i);
}

interface RoleFieldProps<R extends APIKeyRole> {
  value: R;
  onChange: (role: R) => void;
  error?: string | undefined;
  disabled?: boolean;
  /** Defaults to every role. */
  choices?: readonly RoleInfo[];
  /** Shown instead of the role's description, e.g. why the field is disabled. */
  note?: string | undefined;
}

/** A labelled role select; the chosen role's description is its help text. */
export function RoleField<R extends APIKeyRole>({ value, onChange, error, disabled, choices, note }: RoleFieldProps<R>) {
  const all = useRoleChoices();
  const list = choices ?? all;
  const options = list.map((r) => ({ value: r.name, label: roleLabel(r.name) }));
  // A current value the list lacks (a role this UI does not know yet) stays selectable.
  if (!list.some((r) => r.name === value)) options.unshift({ value, label: roleLabel(value) });
  const description = list.find((r) => r.name === value)?.description;
  return (
    <SelectField
      label="Role"
      value={value}
      onChange={(v) => onChange(v as R)}
      options={options}
      error={error}
      disabled={disabled}
      hint={note ?? (description || undefined)}
    />
  );
}
