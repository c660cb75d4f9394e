import { describe, expect, it } from "vitest";
import { pendingMigrations, runStorageMigrations, type Migration } from "../../../worker/durable/migrations";

const step = (version: number): Migration => ({ version, description: `step ${version}`, sql: `-- ${version}` });
const steps = [step(1), step(2), step(3)];
const versions = (list: Migration[]) => list.map((s) => s.version);

describe("which schema steps an object still needs", () => {
  it("a new object needs every step, in order", () => {
    expect(versions(pendingMigrations(0, steps))).toEqual([1, 2, 3]);
  });

  it("an object at version 2 needs only the steps after it", () => {
    expect(versions(pendingMigrations(2, steps))).toEqual([3]);
  });

  it("an object at the last version needs nothing", () => {
    expect(pendingMigrations(3, steps)).toEqual([]);
  });

  it("an object ahead of the list (code rolled back) needs nothing", () => {
    expect(pendingMigrations(5, steps)).toEqual([]);
  });

  it("a list with a gap or a repeated version is refused before anything runs", () => {
    expect(() => pendingMigrations(0, [step(1), step(3)])).toThrow(/migration 2 is numbered 3/);
    expect(() => pendingMigrations(0, [step(1), step(1)])).toThrow(/migration 2 is numbered 1/);
  });

  it("the engine's own list is numbered without gaps", () => {
    expect(versions(pendingMigrations(0, [...runStorageMigrations]))).toEqual(runStorageMigrations.map((_, i) => i + 1));
  });
});
