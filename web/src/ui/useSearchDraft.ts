import { useEffect, useRef, useState } from "react";
import { useDebounced } from "./useDebounced";

/**
 * A search box whose settled text lives in the URL. Returns the box's
 * text and its setter. The text is written (through `write`) once typing
 * has paused for `ms`; the URL's value is copied into the box only when
 * it changes by something else (back, a link, "clear filters"). The URL
 * echoing a value this hook wrote must not reach the box: by then the
 * user has typed on, and copying the echo back would drop those keys.
 */
export function useSearchDraft(urlValue: string, write: (q: string) => void, ms = 300): [string, (s: string) => void] {
  const [draft, setDraft] = useState(urlValue);
  const written = useRef(urlValue);
  useEffect(() => {
    if (urlValue.trim() === written.current.trim()) return;
    written.current = urlValue;
    setDraft(urlValue);
  }, [urlValue]);
  const settled = useDebounced(draft, ms);
  useEffect(() => {
    if (settled.trim() === written.current.trim()) return;
    written.current = settled;
    write(settled);
    // Only a settled draft asks: a URL change alone must not write it back.
  }, [settled]);
  return [draft, setDraft];
}
