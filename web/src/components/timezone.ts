// The reader's time zone, for labels beside times shown in it (the API's
// times are UTC; the pages show them in the browser's zone), so that a
// reader comparing with a log file knows the shift.

/** "UTC+01:00" for a Date.getTimezoneOffset() of -60 (minutes behind UTC); "UTC" for 0. */
export function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "UTC";
  const ahead = -offsetMinutes;
  const abs = Math.abs(ahead);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `UTC${ahead > 0 ? "+" : "-"}${hh}:${mm}`;
}

/** The reader's offset from UTC at `at` (now by default), as "UTC+01:00". */
export function zoneLabel(at: Date = new Date()): string {
  return formatOffset(at.getTimezoneOffset());
}

/** The same as zoneLabel: "UTC+01:00", "UTC-05:30", or "UTC". */
export const utcOffsetLabel = zoneLabel;

/** The reader's zone by name ("Europe/Berlin"), "" when the browser does not say. */
export function zoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  } catch {
    return "";
  }
}
