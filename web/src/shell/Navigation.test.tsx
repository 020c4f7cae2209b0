import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { makeMe, renderWithProviders } from "../test/helpers";
import { Navigation } from "./Navigation";

const AREAS_IN_ORDER = [
  "Dashboard",
  "Events",
  "Hunting",
  "Alerts",
  "Incidents",
  "Rules",
  "Endpoints",
  "Vulnerabilities",
  "Threat Intel",
  "Sandbox",
  "Compliance",
  "Threat Map",
  "War Room",
  "Workplans",
  "Handovers",
];

describe("Navigation", () => {
  it("lists every area in order, then Administration for users:read", () => {
    renderWithProviders(<Navigation me={makeMe()} />);
    const nav = screen.getByRole("navigation", { name: "Main" });
    const links = within(nav).getAllByRole("link").map((a) => a.textContent);
    expect(links).toEqual([...AREAS_IN_ORDER, "Administration"]);
    expect(within(nav).getByRole("link", { name: "Administration" })).toHaveAttribute("href", "/admin");
    expect(within(nav).getByRole("link", { name: "Threat Intel" })).toHaveAttribute("href", "/threat-intel");
  });

  it("hides Administration without users:read", () => {
    renderWithProviders(<Navigation me={makeMe({ role: "analyst", permissions: ["groups:read"] })} />);
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getAllByRole("link")).toHaveLength(15);
    expect(within(nav).queryByRole("link", { name: "Administration" })).not.toBeInTheDocument();
  });
});
