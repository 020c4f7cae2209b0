import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { LoginPage, safeNext } from "./LoginPage";

afterEach(() => vi.unstubAllGlobals());

function renderLogin(route = "/login") {
  return renderWithProviders(
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="*" element={<p>Signed in at the app</p>} />
    </Routes>,
    { route },
  );
}

describe("LoginPage", () => {
  it("shows the server's message when the credentials are refused", async () => {
    const { calls } = stubFetch(() =>
      json(401, { error: { code: "invalid_credentials", message: "The e-mail or password is wrong." } }),
    );
    renderLogin();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "ana@example.test");
    await user.type(screen.getByLabelText("Password"), "not-it");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("The e-mail or password is wrong.");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ email: "ana@example.test", password: "not-it" });
    expect(screen.getByRole("button", { name: "Log in" })).toBeEnabled();
  });

  it("goes to the requested page after a successful login", async () => {
    stubFetch((call) =>
      call.url === "/api/v1/auth/login" ? json(200, { user: makeMe(), csrf_token: "c" }) : json(200, makeMe()),
    );
    renderLogin("/login?next=%2Fadmin%2Fusers");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "admin@example.test");
    await user.type(screen.getByLabelText("Password"), "Correct-Horse-9");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("Signed in at the app")).toBeInTheDocument();
  });

  it("only follows next= inside the app", () => {
    expect(safeNext("/admin/users")).toBe("/admin/users");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
