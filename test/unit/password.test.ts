import { describe, expect, it } from "vitest";
import { hashPassword, newHashIterations, PBKDF2_ITERATIONS, verifyPassword } from "../../worker/lib/password";

const lowered = { TEST_PASSWORD_HASH_ITERATIONS: "1000" };

describe("password hashing cost", () => {
  it("production hashes use PBKDF2-SHA256 with 100,000 iterations", () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(newHashIterations({ TUTTI_ENV: "prod" })).toBe(100_000);
    expect(newHashIterations({})).toBe(100_000);
  });

  it("the test cost is ignored outside the test and e2e environments, even when the variable is set", () => {
    for (const TUTTI_ENV of [undefined, "", "prod", "production", "dev", "staging", "TEST", "test ", "e2e-staging"]) {
      expect(newHashIterations({ TUTTI_ENV, ...lowered }), `TUTTI_ENV=${JSON.stringify(TUTTI_ENV)}`).toBe(PBKDF2_ITERATIONS);
    }
  });

  it("the test and e2e environments use the lowered cost; a value that is not a count from 1 to 100,000 is ignored", () => {
    expect(newHashIterations({ TUTTI_ENV: "test", ...lowered })).toBe(1000);
    expect(newHashIterations({ TUTTI_ENV: "e2e", ...lowered })).toBe(1000);
    expect(newHashIterations({ TUTTI_ENV: "test" })).toBe(PBKDF2_ITERATIONS);
    for (const bad of ["0", "-5", "1.5", "abc", "", "1000000"]) {
      expect(newHashIterations({ TUTTI_ENV: "test", TEST_PASSWORD_HASH_ITERATIONS: bad }), bad).toBe(PBKDF2_ITERATIONS);
    }
  });

  it("a hash records its iteration count, so a cheap test hash and a production hash both verify", async () => {
    const production = await hashPassword("correct horse battery", newHashIterations({ TUTTI_ENV: "prod", ...lowered }));
    const cheap = await hashPassword("correct horse battery", newHashIterations({ TUTTI_ENV: "test", ...lowered }));
    expect([production.iterations, cheap.iterations]).toEqual([100_000, 1000]);
    expect(await verifyPassword("correct horse battery", production)).toBe(true);
    expect(await verifyPassword("correct horse battery", cheap)).toBe(true);
    expect(await verifyPassword("correct horse battery", { ...production, iterations: 1000 })).toBe(false);
  });
});
