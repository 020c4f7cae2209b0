import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeCoverage } from "../test/detection";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { CoveragePage, columnsInView, heatStep } from "./CoveragePage";
import { RulesLayout } from "./RulesLayout";

afterEach(() => vi.unstubAllGlobals());

function renderCoverage(coverage = makeCoverage()) {
  stubFetch((call) => (call.url === "/api/v1/rules/coverage" ? json(200, coverage) : json(404, { error: { code: "not_found", message: "no" } })));
  return renderWithProviders(
    <Routes>
      <Route path="/rules" element={<RulesLayout />}>
        <Route index element={<h2>Rules list</h2>} />
        <Route path="coverage" element={<CoveragePage />} />
      </Route>
    </Routes>,
    { route: "/rules/coverage", me: makeMe() },
  );
}

describe("CoveragePage", () => {
  it("draws tactics as columns and techniques as cells, with the counts of enabled rules", async () => {
    renderCoverage();
    const matrix = await screen.findByRole("region", { name: "ATT&CK Enterprise matrix" });
    expect(within(matrix).getByRole("heading", { name: "Initial Access" })).toBeInTheDocument();
    expect(within(matrix).getByRole("heading", { name: "Execution" })).toBeInTheDocument();
    const initial = within(matrix).getByRole("region", { name: "Initial Access" });
    expect(initial).toHaveTextContent("1 / 2");
    expect(within(initial).getByRole("link", { name: "T1190 Exploit Public-Facing Application: 2 enabled rules of 3" })).toHaveAttribute("href", "/rules?technique=T1190");
    expect(within(initial).getByRole("link", { name: "T1078 Valid Accounts: 0 enabled rules" })).toBeInTheDocument();
    expect(screen.getByText(/techniques covered by at least one enabled rule/)).toHaveTextContent("(67 %)");
    expect(screen.getByRole("link", { name: "ATT&CK coverage" })).toHaveClass("active");
  });

  it("links each cell to the rules of its technique", async () => {
    const user = userEvent.setup();
    const { location } = renderCoverage();
    await user.click(await screen.findByRole("link", { name: /^T1059 Command and Scripting Interpreter/ }));
    expect(location.pathname).toBe("/rules");
    expect(location.search.get("technique")).toBe("T1059");
  });

  it("can show only the techniques that have rules", async () => {
    const user = userEvent.setup();
    renderCoverage();
    await screen.findByRole("region", { name: "ATT&CK Enterprise matrix" });
    await user.click(screen.getByRole("checkbox", { name: "Only techniques with rules" }));
    expect(screen.queryByRole("link", { name: /^T1078/ })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: /^T1190/ })).toBeInTheDocument();
  });

  it("says when no rule carries an ATT&CK tag", async () => {
    const empty = makeCoverage();
    for (const t of empty.tactics) for (const x of t.techniques) Object.assign(x, { rules: 0, enabled: 0 });
    renderCoverage({ ...empty, techniques_covered: 0 });
    expect(await screen.findByRole("note")).toHaveTextContent("No rule carries an ATT&CK tag yet.");
  });

  it("tells which tactics are in view of a matrix wider than its box", () => {
    const cols = Array.from({ length: 15 }, (_, i) => ({ left: i * 144, width: 138 }));
    expect(columnsInView(cols, 0, 1100)).toEqual({ first: 0, last: 7 });
    expect(columnsInView(cols, 1000, 1100)).toEqual({ first: 7, last: 14 });
    // Half a column at an edge is not in view.
    expect(columnsInView(cols, 100, 1100)).toEqual({ first: 1, last: 7 });
    expect(columnsInView(cols, 0, 2200)).toBeNull();
  });

  it("colours by steps of enabled rules", () => {
    expect([0, 1, 2, 4, 5, 9, 10, 300].map(heatStep)).toEqual([0, 1, 2, 2, 3, 3, 4, 4]);
  });
});
