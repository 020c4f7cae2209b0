import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { saveProblem, withSaveProblem } from "./saveProblem";

describe("saveProblem", () => {
  const dup = new ApiError(409, "duplicate_rule", 'name "x" is already used by rule "Y"', "name", { line: 3, column: 1 });

  it("marks a refused save at the place the server named, while the text is the refused one", () => {
    expect(saveProblem(dup, "src", "src")).toEqual({ line: 3, column: 1, message: 'name "x" is already used by rule "Y"' });
    expect(saveProblem(dup, "src", "src edited")).toBeNull();
    expect(saveProblem(dup, undefined, "src")).toBeNull();
  });

  it("puts a refusal without a place on the first line, and ignores other failures", () => {
    expect(saveProblem(new ApiError(409, "duplicate_rule", "taken"), "s", "s")).toEqual({ line: 1, column: 1, message: "taken" });
    expect(saveProblem(new ApiError(500, "internal", "boom"), "s", "s")).toBeNull();
    expect(saveProblem(new Error("x"), "s", "s")).toBeNull();
  });

  it("adds the problem once", () => {
    const p = { line: 3, column: 1, message: "m" };
    expect(withSaveProblem([], p)).toEqual([p]);
    expect(withSaveProblem([p], { ...p })).toEqual([p]);
    expect(withSaveProblem([p], null)).toEqual([p]);
  });
});
