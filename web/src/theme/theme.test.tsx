import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { applyTheme, initialTheme, ThemeToggle } from "./theme";

afterEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

describe("theme", () => {
  it("toggles dark and remembers the choice", async () => {
    applyTheme("light");
    render(<ThemeToggle />);
    const toggle = screen.getByRole("button", { name: "Dark theme" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    await userEvent.setup().click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("eventsec.theme")).toBe("dark");
    expect(initialTheme()).toBe("dark");
  });

  it("follows the system preference when nothing is stored", () => {
    expect(initialTheme()).toBe("light"); // jsdom has no matchMedia: light
  });
});
