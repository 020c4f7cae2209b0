// Light and dark themes: the choice is kept in localStorage; without one the
// system preference decides. The theme is a data attribute on <html> that the
// CSS variables key on.

import { useCallback, useState } from "react";

export type Theme = "light" | "dark";

const STORAGE_KEY = "eventsec.theme";

function storedTheme(): Theme | null {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

export function initialTheme(): Theme {
  const stored = storedTheme();
  if (stored) return stored;
  const dark = typeof window.matchMedia === "function" && window.matchMedia("(prefers-color-scheme: dark)").matches;
  return dark ? "dark" : "light";
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setThemeState] = useState<Theme>(() => (document.documentElement.dataset.theme as Theme) || initialTheme());
  const setTheme = useCallback((t: Theme) => {
    applyTheme(t);
    try {
      window.localStorage.setItem(STORAGE_KEY, t);
    } catch {
      // Private windows may refuse storage; the theme still applies now.
    }
    setThemeState(t);
  }, []);
  return [theme, setTheme];
}

export function ThemeToggle() {
  const [theme, setTheme] = useTheme();
  const dark = theme === "dark";
  return (
    <button
      type="button"
      className="btn btn-ghost btn-square theme-toggle"
      aria-pressed={dark}
      aria-label="Dark theme"
      title={dark ? "Dark theme is on: switch to light" : "Light theme is on: switch to dark"}
      onClick={() => setTheme(dark ? "light" : "dark")}
    >
      <span aria-hidden="true" className="theme-icon">
        {dark ? (
          <svg viewBox="0 0 24 24" width="17" height="17" fill="none" stroke="currentColor" strokeWidth="2">
            <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
          </svg>
        ) : (
          <svg viewBox="0 0 24 24" width="17" height="17" fill="none" stroke="currentColor" strokeWidth="2">
            <circle cx="12" cy="12" r="4" />
            <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
          </svg>
        )}
      </span>
    </button>
  );
}
