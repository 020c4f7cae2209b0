import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Placeholders } from "../api/detection";
import { json, makeMe, makeMeAs, renderWithProviders, stubFetch } from "../test/helpers";
import { PlaceholdersPage, draftIndexOf, valuesOf } from "./PlaceholdersPage";
import { RulesLayout } from "./RulesLayout";

afterEach(() => vi.unstubAllGlobals());

const limits = { placeholders: 100, values: 1000, value_bytes: 1024, name_pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$" };

const initial: Placeholders = {
  placeholders: [{ name: "admin_users", values: ["administrator", "adm_*"], updated_by: "u1", updated_at: "2026-11-23T10:00:00Z", rules: [] }],
  missing: [{ name: "known_cdcs", values: [], rules: [{ id: "r-cdc", title: "ADCS CDC chase" }] }],
  limits,
};

function renderPage(answer: (body: unknown) => Response, me = makeMe()) {
  let current: unknown = initial;
  const stub = stubFetch(async (call) => {
    if (call.url === "/api/v1/detection/placeholders" && call.method === "GET") return json(200, current);
    if (call.url === "/api/v1/detection/placeholders" && call.method === "PUT") {
      const res = answer(call.body);
      if (res.ok) current = await res.clone().json();
      return res;
    }
    return json(404, { error: { code: "not_found", message: "no" } });
  });
  renderWithProviders(
    <Routes>
      <Route path="/rules" element={<RulesLayout />}>
        <Route path="placeholders" element={<PlaceholdersPage />} />
      </Route>
    </Routes>,
    { route: "/rules/placeholders", me },
  );
  return stub;
}

describe("PlaceholdersPage", () => {
  it("lists the placeholders rules need, and saves their values (PUT of the whole set)", async () => {
    const saved: Placeholders = {
      placeholders: [
        { ...initial.placeholders[0]!, rules: [] },
        { name: "known_cdcs", values: ["dc01.corp.example", "10.0.0.10"], updated_by: "u1", updated_at: "2026-11-23T11:00:00Z", rules: [{ id: "r-cdc", title: "ADCS CDC chase" }] },
      ],
      missing: [],
      limits,
    };
    const { calls } = renderPage(() => json(200, saved));
    const user = userEvent.setup();
    expect(screen.getByRole("link", { name: "Placeholders" })).toBeInTheDocument();
    const missing = await screen.findByRole("region", { name: "Used by rules but without values" });
    expect(missing).toHaveTextContent("%known_cdcs%: 1 rule not running (ADCS CDC chase)");
    expect(within(missing).getByRole("link", { name: "ADCS CDC chase" })).toHaveAttribute("href", "/rules/r-cdc");
    expect(screen.getByRole("button", { name: "Save placeholders" })).toBeDisabled();

    await user.click(within(missing).getByRole("button", { name: "Add values for %known_cdcs%" }));
    expect(screen.queryByRole("region", { name: "Used by rules but without values" })).not.toBeInTheDocument();
    const card = screen.getByRole("region", { name: "%known_cdcs%" });
    await user.type(within(card).getByRole("textbox", { name: "Values, one per line" }), "dc01.corp.example{Enter}  10.0.0.10 {Enter}{Enter}");
    expect(card).toHaveTextContent("2 values (at most 1,000)");
    await user.click(screen.getByRole("button", { name: "Save placeholders" }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === "PUT")?.body).toEqual({
        placeholders: [
          { name: "admin_users", values: ["administrator", "adm_*"] },
          { name: "known_cdcs", values: ["dc01.corp.example", "10.0.0.10"] },
        ],
      }),
    );
    expect(await screen.findByText("Saved; the rules using them were recompiled.")).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "%known_cdcs%" })).getByRole("link", { name: "ADCS CDC chase" })).toBeInTheDocument();
  });

  it("shows the server's refusal on the placeholder it is about, and removes placeholders", async () => {
    const { calls } = renderPage(() =>
      json(400, { error: { code: "validation_failed", field: "placeholders[1].name", message: 'placeholders[1].name: "a b" must be 1-64 letters, digits' } }),
    );
    const user = userEvent.setup();
    await screen.findByRole("region", { name: "%admin_users%" });
    await user.click(screen.getByRole("button", { name: "Add placeholder" }));
    const fresh = screen.getByRole("region", { name: "New placeholder" });
    await user.type(within(fresh).getByRole("textbox", { name: "Name (without the % signs)" }), "a b");
    await user.type(within(screen.getByRole("region", { name: "%a b%" })).getByRole("textbox", { name: "Values, one per line" }), "x");
    await user.click(screen.getByRole("button", { name: "Save placeholders" }));
    expect(await within(screen.getByRole("region", { name: "%a b%" })).findByRole("alert")).toHaveTextContent("must be 1-64 letters");

    await user.click(screen.getByRole("button", { name: "Remove %admin_users%" }));
    await user.click(screen.getByRole("button", { name: "Remove %a b%" }));
    await user.click(screen.getByRole("button", { name: "Save placeholders" }));
    await vi.waitFor(() => expect(calls.filter((c) => c.method === "PUT").at(-1)?.body).toEqual({ placeholders: [] }));
  });

  it("is read-only without rules:write", async () => {
    renderPage(() => json(500, {}), makeMeAs("viewer"));
    const card = await screen.findByRole("region", { name: "%admin_users%" });
    expect(within(card).getByRole("textbox", { name: "Values, one per line" })).toHaveAttribute("readonly");
    expect(screen.queryByRole("button", { name: "Save placeholders" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Add values/ })).not.toBeInTheDocument();
    expect(screen.getByText("View only: your role cannot change placeholders.")).toBeInTheDocument();
  });

  it("reads values one per line and maps error fields to placeholders", () => {
    expect(valuesOf(" a \n\nb\r\n  \n")).toEqual(["a", "b"]);
    expect(draftIndexOf("placeholders[12].values[3]")).toBe(12);
    expect(draftIndexOf("placeholders")).toBeUndefined();
    expect(draftIndexOf(undefined)).toBeUndefined();
  });
});
