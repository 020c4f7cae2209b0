import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { RuleFeed } from "../api/detection";
import { FeedsNote } from "./FeedsNote";

const feed: RuleFeed = {
  document: "base-1",
  document_title: "Failed logon",
  rule_id: "corr-file",
  rule_title: "Logon correlations",
  correlation_id: "corr-1",
  correlation_title: "Repeated failed logons",
  generate: false,
  silenced: true,
};

describe("FeedsNote", () => {
  it("says the rule's alerts are silenced and links the correlation's rule", () => {
    render(
      <MemoryRouter>
        <FeedsNote feeds={[feed]} />
      </MemoryRouter>,
    );
    const note = screen.getByRole("note");
    expect(note).toHaveTextContent("Alerts silenced");
    expect(note).toHaveTextContent("Failed logon feeds correlation “Repeated failed logons” of “Logon correlations” (its own alerts are silenced: generate is false)");
    expect(screen.getByRole("link", { name: "Open “Logon correlations”" })).toHaveAttribute("href", "/rules/corr-file");
  });
  it("shows nothing for a rule no other correlation counts", () => {
    const { container } = render(
      <MemoryRouter>
        <FeedsNote feeds={[]} />
      </MemoryRouter>,
    );
    expect(container).toBeEmptyDOMElement();
  });
});
