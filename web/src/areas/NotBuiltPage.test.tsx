import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderWithProviders } from "../test/helpers";
import { AREAS } from "./areas";
import { NotBuiltPage } from "./NotBuiltPage";

describe("NotBuiltPage", () => {
  it.each(AREAS.filter((a) => a.notBuilt).map((a) => [a.title, a] as const))("%s says it is not built yet, in one sentence without numbers", (title, area) => {
    const { container } = renderWithProviders(<NotBuiltPage area={area} />);
    expect(screen.getByRole("heading", { level: 1, name: title })).toBeInTheDocument();
    const text = container.textContent ?? "";
    expect(text).toContain(`${title} is not built yet`);
    expect(text).not.toMatch(/\d/);
    expect(container.querySelectorAll("p")).toHaveLength(1);
    expect(area.notBuilt?.match(/[.!?]/g)).toHaveLength(1);
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    expect(container.querySelector("svg, canvas")).toBeNull();
  });

  it("covers the fifteen areas before Administration; Dashboard, Events, Hunting, Alerts, Rules and Threat Map are built", () => {
    expect(AREAS).toHaveLength(15);
    expect(AREAS.filter((a) => !a.notBuilt).map((a) => a.title)).toEqual(["Dashboard", "Events", "Hunting", "Alerts", "Rules", "Threat Map"]);
  });
});
