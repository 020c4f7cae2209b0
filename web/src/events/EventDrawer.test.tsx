import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeEvent } from "../test/events";
import { renderWithProviders } from "../test/helpers";
import { EventDrawer, indentJSON } from "./EventDrawer";

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
    // Not JSON: nothing to indent.
    expect(screen.queryByRole("button", { name: "Indent JSON" })).not.toBeInTheDocument();
  });

  it("indents a JSON original on request, and still copies it as received", async () => {
    const user = userEvent.setup();
    const json = { ...ev, raw: '{"Event":{"System":{"EventID":4625},"EventData":{"TargetUserName":"admin"}}}' };
    renderWithProviders(<EventDrawer event={json} onClose={() => {}} />);
    expect(screen.getByLabelText("Raw original as received")).toHaveTextContent(json.raw);
    const indent = screen.getByRole("button", { name: "Indent JSON" });
    await user.click(indent);
    expect(indent).toHaveAttribute("aria-pressed", "true");
    const pretty = screen.getByLabelText("Raw original, indented");
    expect(pretty.textContent).toBe(JSON.stringify(JSON.parse(json.raw), null, 2));
    await user.click(screen.getByRole("button", { name: "Copy raw" }));
    expect(await navigator.clipboard.readText()).toBe(json.raw);
    await user.click(indent);
    expect(screen.getByLabelText("Raw original as received")).toBeInTheDocument();
  });

  it("indents without touching the values: 64-bit numbers, escapes, empty objects", () => {
    const raw = ' {"Keywords":9232379236109516800,"a":"x\\"y,{[:","e":{},"l":[ ],"n":[1, -2.5e3,true,null]} ';
    expect(indentJSON(raw)).toBe(
      '{\n  "Keywords": 9232379236109516800,\n  "a": "x\\"y,{[:",\n  "e": {},\n  "l": [],\n  "n": [\n    1,\n    -2.5e3,\n    true,\n    null\n  ]\n}',
    );
    expect(indentJSON("<38>Nov 23 sshd: Failed password")).toBeNull();
    expect(indentJSON('{"truncated": ')).toBeNull();
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
