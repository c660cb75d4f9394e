import { describe, expect, it } from "vitest";
import { poolLines } from "../../../cli/commands/pools";

describe("tutti pools show", () => {
  it("prints the pool's use, then who holds its slots and who waits, numbered in the order they will start", () => {
    const attempt = (run_id: string, task_key: string, slots = 1) => ({ run_id, pipeline: "loads", task_key, attempt: 1, slots });
    const lines = poolLines({
      name: "wh",
      slots: 2,
      description: "XL warehouse",
      in_use: 2,
      waiting: 2,
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
      holders: [attempt("run_a", "load", 2)],
      waiters: [attempt("run_b", "load"), { ...attempt("run_c", "check"), pipeline: null }],
    });
    expect(lines).toEqual([
      "wh: 2/2 in use, 2 waiting — XL warehouse",
      "  holding  loads.load (attempt 1, 2 slots)  run_a",
      "  waiting   1. loads.load (attempt 1, 1 slot)  run_b",
      "  waiting   2. ?.check (attempt 1, 1 slot)  run_c",
    ]);
  });
});
