import { act, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useSearchDraft } from "./useSearchDraft";

// The URL is a state that takes `echoMs` to reflect a write, as a router
// navigation does; "Clear" changes it from outside.
function Box({ echoMs }: { echoMs: number }) {
  const [url, setUrl] = useState("");
  const [draft, setDraft] = useSearchDraft(url, (q) => setTimeout(() => setUrl(q), echoMs));
  return (
    <>
      <input aria-label="Search" value={draft} onChange={(e) => setDraft(e.target.value)} />
      <output aria-label="URL">{url}</output>
      <button type="button" onClick={() => setUrl("")}>
        Clear
      </button>
    </>
  );
}

describe("useSearchDraft", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("keeps every key typed while the URL catches up", () => {
    render(<Box echoMs={80} />);
    const box = screen.getByLabelText("Search") as HTMLInputElement;
    // 310 ms between keys: each pause settles, and the next key lands
    // before the URL has echoed the previous write.
    for (const ch of "MSEDGEWIN10") {
      fireEvent.change(box, { target: { value: box.value + ch } });
      // In steps, so that each timer's update renders on its own.
      for (let i = 0; i < 31; i++) act(() => vi.advanceTimersByTime(10));
    }
    act(() => vi.advanceTimersByTime(1000));
    expect(box.value).toBe("MSEDGEWIN10");
    expect(screen.getByLabelText("URL").textContent).toBe("MSEDGEWIN10");
  });

  it("takes a value the URL gets from elsewhere", () => {
    render(<Box echoMs={10} />);
    const box = screen.getByLabelText("Search") as HTMLInputElement;
    fireEvent.change(box, { target: { value: "lsass" } });
    act(() => vi.advanceTimersByTime(300));
    act(() => vi.advanceTimersByTime(100));
    expect(screen.getByLabelText("URL").textContent).toBe("lsass");
    fireEvent.click(screen.getByText("Clear"));
    expect(box.value).toBe("");
    act(() => vi.advanceTimersByTime(300));
    act(() => vi.advanceTimersByTime(100));
    expect(screen.getByLabelText("URL").textContent).toBe("");
  });
});
