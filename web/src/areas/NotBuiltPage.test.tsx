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

  it("covers every area before Administration, in navigation order", () => {
    expect(AREAS.map((a) => a.title)).toEqual(["Dashboard", "Events", "Hunting", "Alerts", "Incidents", "Rules", "Endpoints",
      "Vulnerabilities", "Threat Intel", "E-mail", "Sandbox", "Compliance", "Threat Map", "War Room", "Workplans", "Handovers", "SOC Metrics"]);
  });
});
