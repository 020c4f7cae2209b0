import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { TimeRangePicker } from "./TimeRangePicker";

function renderPicker() {
  const onChange = vi.fn();
  // As in the app's shell: the main region takes focus from scripts only.
  render(
    <main tabIndex={-1}>
      <h1>Events</h1>
      <TimeRangePicker range={{ kind: "preset", preset: "24h" }} onChange={onChange} />
      <input aria-label="Elsewhere" />
    </main>,
  );
  return { onChange, user: userEvent.setup() };
}

describe("TimeRangePicker's custom range", () => {
  it("closes on Esc, the focus back on Custom", async () => {
    const { onChange, user } = renderPicker();
    const custom = screen.getByRole("button", { name: "Custom" });
    await user.click(custom);
    const form = screen.getByRole("form", { name: "Custom time range" });
    expect(custom).toHaveAttribute("aria-expanded", "true");
    await user.click(within(form).getByLabelText("From"));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("form", { name: "Custom time range" })).not.toBeInTheDocument();
    expect(custom).toHaveAttribute("aria-expanded", "false");
    expect(custom).toHaveFocus();
    expect(onChange).not.toHaveBeenCalled();
  });

  it("closes on a click outside, the focus back on Custom when the click put it nowhere", async () => {
    const { onChange, user } = renderPicker();
    const custom = screen.getByRole("button", { name: "Custom" });
    await user.click(custom);
    await user.click(within(screen.getByRole("form", { name: "Custom time range" })).getByLabelText("To"));
    await user.click(screen.getByRole("heading", { name: "Events" }));
    expect(screen.queryByRole("form", { name: "Custom time range" })).not.toBeInTheDocument();
    await vi.waitFor(() => expect(custom).toHaveFocus());
    expect(onChange).not.toHaveBeenCalled();
  });

  it("leaves the focus where a click outside put it", async () => {
    const { user } = renderPicker();
    await user.click(screen.getByRole("button", { name: "Custom" }));
    const elsewhere = screen.getByRole("textbox", { name: "Elsewhere" });
    await user.click(elsewhere);
    expect(screen.queryByRole("form", { name: "Custom time range" })).not.toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 10));
    expect(elsewhere).toHaveFocus();
  });

  it("stays open for clicks inside it, and Cancel closes it onto Custom", async () => {
    const { user } = renderPicker();
    const custom = screen.getByRole("button", { name: "Custom" });
    await user.click(custom);
    const form = screen.getByRole("form", { name: "Custom time range" });
    await user.click(within(form).getByLabelText("From"));
    await user.click(form);
    expect(form).toBeInTheDocument();
    await user.click(within(form).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("form", { name: "Custom time range" })).not.toBeInTheDocument();
    expect(custom).toHaveFocus();
  });
});
