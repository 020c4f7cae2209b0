// Finds a user of the org by name or e-mail, however many there are: the
// search box asks GET /api/v1/users?q=...&limit=20 once typing pauses, and
// nothing is fetched before something is typed (a page of work groups would
// otherwise list the users once per group).

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { roleLabel, type User, type UserQuery } from "../api/types";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { useDebounced } from "../ui/useDebounced";

export const PICKER_LIMIT = 20;
const DEBOUNCE_MS = 250;

interface UserPickerProps {
  /** The search box's label, e.g. "Add member to Night shift". */
  label: string;
  /** Users not offered, e.g. the members already in. */
  exclude: ReadonlySet<string>;
  /** Said instead of results when every match is excluded. */
  excludedText: string;
  /** The accessible name of a result's button, e.g. "Add Ana to Night shift". */
  pickLabel: (user: User) => string;
  /** Called with the chosen user; a rejected promise keeps the search as it is. */
  onPick: (user: User) => unknown;
  /** Empty the search once a pick succeeded; otherwise keep it, to pick several. */
  clearOnPick?: boolean;
  pending?: boolean;
  /** The last pick's failure, told right under the search box. */
  error?: unknown;
  /** Called when the search changes, e.g. to forget `error`. */
  onSearch?: () => void;
}

export function UserPicker({ label, exclude, excludedText, pickLabel, onPick, clearOnPick, pending, error, onSearch }: UserPickerProps) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), DEBOUNCE_MS);
  const query: UserQuery = { q, limit: PICKER_LIMIT };
  const users = useQuery({
    queryKey: queryKeys.users(query),
    queryFn: ({ signal }) => api.listUsers(query, signal),
    enabled: q !== "",
    placeholderData: keepPreviousData,
  });
  const candidates = (users.data?.items ?? []).filter((u) => !exclude.has(u.id));
  const searching = search.trim() !== "" && q !== "";

  async function pick(user: User) {
    try {
      await onPick(user);
    } catch {
      return; // the caller shows the error
    }
    if (clearOnPick) setSearch("");
    // The chosen user's button is gone; the search box is where to go on.
    input.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key !== "Enter") return;
    // Never submit a surrounding form; with a single match, Enter picks it.
    e.preventDefault();
    const only = candidates.length === 1 && !users.isPlaceholderData ? candidates[0] : undefined;
    if (only && !pending) void pick(only);
  }

  const total = users.data?.total ?? 0;
  return (
    <div className="user-picker">
      <label htmlFor={id}>{label}</label>
      <input
        ref={input}
        id={id}
        type="search"
        placeholder="Search by name or e-mail"
        autoComplete="off"
        value={search}
        onChange={(e) => {
          setSearch(e.target.value);
          onSearch?.();
        }}
        onKeyDown={onKeyDown}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {errorText(error)}
        </div>
      ) : null}
      {!searching ? null : users.isPending ? (
        <p className="picker-note muted" role="status">
          Searching…
        </p>
      ) : users.isError ? (
        <ErrorMessage error={users.error} />
      ) : candidates.length === 0 ? (
        <p className="picker-note muted" role="status">
          {users.data.items.length === 0 ? `No user matches “${q}”.` : excludedText}
        </p>
      ) : (
        <>
          <ul className="picker-results" aria-label={`Users matching “${q}”`}>
            {candidates.map((u) => (
              <li key={u.id} className="picker-item">
                <span className="picker-user">
                  <span className="cell-strong">{u.name || u.email}</span>
                  {u.name ? <span className="muted"> {u.email}</span> : null}
                  {u.disabled ? <span className="tag">disabled</span> : null}
                </span>
                <span className={`role-badge role-${u.role}`}>{roleLabel(u.role)}</span>
                <button type="button" className="btn btn-small" aria-label={pickLabel(u)} disabled={pending} onClick={() => void pick(u)}>
                  Add
                </button>
              </li>
            ))}
          </ul>
          {total > PICKER_LIMIT ? (
            <p className="picker-note muted">
              The first {PICKER_LIMIT} of {total} matches: type more of the name or e-mail to narrow them.
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}
