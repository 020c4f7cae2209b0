import { AREAS } from "../areas/areas";
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS, makeMe, renderWithProviders } from "../test/helpers";
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
  "E-mail",
  "Sandbox",
  "Compliance",
  "Threat Map",
  "War Room",
  "Workplans",
  "Handovers",
  "SOC Metrics",
];

describe("Navigation", () => {
  it("lists every area in order, then Administration for an admin", () => {
    renderWithProviders(<Navigation me={makeMe()} />);
    const nav = screen.getByRole("navigation", { name: "Main" });
    const links = within(nav).getAllByRole("link").map((a) => a.textContent);
    expect(links).toEqual([...AREAS_IN_ORDER, "Administration"]);
    expect(within(nav).getByRole("link", { name: "Administration" })).toHaveAttribute("href", "/admin");
    expect(within(nav).getByRole("link", { name: "Threat Intel" })).toHaveAttribute("href", "/threat-intel");
  });

  it.each([
    ["admin", true, [...ROLE_PERMISSIONS.admin]],
    ["team lead", true, [...ROLE_PERMISSIONS.team_lead]],
    ["senior analyst", false, [...ROLE_PERMISSIONS.senior_analyst]],
    ["analyst", false, [...ROLE_PERMISSIONS.analyst]],
    ["viewer", false, [...ROLE_PERMISSIONS.viewer]],
    ["users:read alone", true, ["self", "users:read"]],
    ["groups:write alone", true, ["self", "groups:write"]],
    ["apikeys:read alone", true, ["self", "apikeys:read"]],
    ["audit:read alone", true, ["self", "audit:read"]],
    ["platform:admin alone", true, ["self", "platform:admin"]],
    ["settings:read alone", true, ["self", "settings:read"]],
    ["groups:read alone", false, ["self", "groups:read"]],
    ["users:write alone", false, ["self", "users:write"]],
  ])("%s: Administration shown = %s", (_, shown, permissions) => {
    renderWithProviders(<Navigation me={makeMe({ permissions })} />);
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getAllByRole("link")).toHaveLength(AREAS.length + (shown ? 1 : 0));
    expect(within(nav).queryByRole("link", { name: "Administration" }) !== null).toBe(shown);
  });
});
