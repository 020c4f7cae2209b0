// Times are shown in the browser's time zone; headers name it once as a
// UTC offset, so that a reader comparing with a log file knows the shift.

/** The browser's offset from UTC at `at` (now by default): "UTC+01:00", "UTC-05:30", or "UTC". */
export function utcOffsetLabel(at: Date = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `UTC${minutes > 0 ? "+" : "-"}${hh}:${mm}`;
}
