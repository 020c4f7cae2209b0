import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeEvent } from "../test/events";
import { renderWithProviders } from "../test/helpers";
import { EventDrawer } from "./EventDrawer";

const ev = makeEvent({ id: "e-1" });

describe("EventDrawer", () => {
  it("is a dialog with the nested document as a key/value tree", () => {
    renderWithProviders(<EventDrawer event={ev} onClose={() => {}} />);
    const dialog = screen.getByRole("dialog", { name: "Event details" });
    // Objects are collapsible groups named by their key; values sit beside their keys.
    const source = within(dialog).getByText("source", { selector: "summary .tree-key" }).closest("details");
    expect(source).toHaveAttribute("open");
    expect(within(source as HTMLElement).getByText("81.2.69.142")).toBeInTheDocument();
    expect(within(source as HTMLElement).getByText("London")).toBeInTheDocument();
    expect(within(dialog).getByText("e-1")).toBeInTheDocument();
    // A one-element list reads as its value.
    expect(within(dialog).getByText("authentication")).toBeInTheDocument();
  });

  it("collapses and expands an object", async () => {
    const user = userEvent.setup();
    renderWithProviders(<EventDrawer event={ev} onClose={() => {}} />);
    const summary = screen.getByText("geo", { selector: "summary .tree-key" });
    const details = summary.closest("details") as HTMLDetailsElement;
    expect(details.open).toBe(true);
    await user.click(summary);
    expect(details.open).toBe(false);
  });

  it("shows the raw original in a monospace block that can be copied", async () => {
    const user = userEvent.setup();
    renderWithProviders(<EventDrawer event={ev} onClose={() => {}} />);
    const raw = screen.getByLabelText("Raw original as received");
    expect(raw.tagName).toBe("PRE");
    expect(raw).toHaveTextContent("sshd[811]: Failed password for root");
    await user.click(screen.getByRole("button", { name: "Copy raw" }));
    expect(await navigator.clipboard.readText()).toBe(ev.raw);
    expect(screen.getByText("Copied.")).toBeInTheDocument();
  });

  it("filters for and filters out a value by its full field path", async () => {
    const user = userEvent.setup();
    const onFilter = vi.fn();
    renderWithProviders(<EventDrawer event={ev} onClose={() => {}} onFilter={onFilter} />);
    await user.click(screen.getByRole("button", { name: "Filter for user.name: root" }));
    expect(onFilter).toHaveBeenLastCalledWith("user.name", "root", false);
    await user.click(screen.getByRole("button", { name: "Filter out source.geo.country_iso_code: GB" }));
    expect(onFilter).toHaveBeenLastCalledWith("source.geo.country_iso_code", "GB", true);
    await user.click(screen.getByRole("button", { name: "Filter for source.port: 4242" }));
    expect(onFilter).toHaveBeenLastCalledWith("source.port", 4242, false);
  });

  it("closes on Escape and says so when the original was not kept", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    renderWithProviders(<EventDrawer event={{ ...ev, raw: "" }} onClose={onClose} />);
    expect(screen.getByText("The original was not kept for this event.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Filter for/ })).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });
});
