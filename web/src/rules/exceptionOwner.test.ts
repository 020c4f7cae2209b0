import { describe, expect, it } from "vitest";
import { exceptionOwnerLabel } from "./exceptionOwner";

describe("exceptionOwnerLabel", () => {
  it("prefers the owner's name, then the address, and never shows a bare id", () => {
    expect(exceptionOwnerLabel({ owner: "u-1", owner_email: "ana@example.com", owner_name: "Ana Analyst" })).toBe("Ana Analyst");
    expect(exceptionOwnerLabel({ owner: "apikey:k1", owner_email: "", owner_name: "API key siem-forwarder" })).toBe("API key siem-forwarder");
    // An older server without owner_name.
    expect(exceptionOwnerLabel({ owner: "u-1", owner_email: "ana@example.com" })).toBe("ana@example.com");
    expect(exceptionOwnerLabel({ owner: "u-gone", owner_email: "", owner_name: "" })).toBe("a deleted user");
    expect(exceptionOwnerLabel({ owner: "", owner_email: "" })).toBe("");
  });
});
