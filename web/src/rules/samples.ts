// The "Sample events" of the rule test: what a person pastes, as the API
// takes it. A JSON array is a list of events; otherwise each line is one
// event, a JSON object when it parses as one, a raw log line otherwise.

export type Sample = Record<string, unknown> | string;

export type ParsedSamples = { ok: true; events: Sample[] } | { ok: false; error: string };

/** The most sample events one test takes. */
export const MAX_SAMPLES = 1000;

export function parseSamples(text: string): ParsedSamples {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: "Paste at least one event: a JSON object or a raw log line per line, or a JSON array." };
  if (trimmed.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(trimmed);
    } catch (err) {
      return { ok: false, error: `The JSON array does not parse: ${(err as Error).message}` };
    }
    if (!Array.isArray(list)) return { ok: false, error: "Expected a JSON array of events." };
    const events: Sample[] = [];
    for (const [i, item] of list.entries()) {
      if (typeof item === "string" || (item !== null && typeof item === "object" && !Array.isArray(item))) events.push(item as Sample);
      else return { ok: false, error: `Item ${i + 1} of the array is neither an object nor a string.` };
    }
    return limit(events);
  }
  const events: Sample[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("{")) {
      try {
        const obj: unknown = JSON.parse(line);
        if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) {
          events.push(obj as Record<string, unknown>);
          continue;
        }
      } catch (err) {
        return { ok: false, error: `Line ${i + 1} starts like a JSON object but does not parse: ${(err as Error).message}` };
      }
    }
    events.push(line);
  }
  return limit(events);
}

function limit(events: Sample[]): ParsedSamples {
  if (events.length === 0) return { ok: false, error: "The array is empty: paste at least one event." };
  if (events.length > MAX_SAMPLES) return { ok: false, error: `${events.length.toLocaleString()} events: a test takes at most ${MAX_SAMPLES.toLocaleString()}.` };
  return { ok: true, events };
}
