/** Says why a tab shows no controls: the role may read it but not change it. */
export function ReadOnlyNote({ what }: { what: string }) {
  return <p className="read-only-note">View only: your role can see {what} but not change them.</p>;
}
