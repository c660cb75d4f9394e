import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { api, expectError, signup } from "../helpers/api";

let address = 0;
/** Each test signs in from its own address, so address counts of other tests never interfere. */
const newAddress = () => `10.77.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;

function login(email: string, password: string, ip: string) {
  return api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": ip } });
}

/** Moves the throttle of `key` into the past by `ms`, as if that much time had passed (no sleeping). */
async function elapse(key: string, ms: number) {
  await env.DB.prepare("UPDATE login_throttle SET next_at = next_at - ?, last_at = last_at - ? WHERE key = ?").bind(ms, ms, key).run();
}

const throttle = (key: string) =>
  env.DB.prepare("SELECT attempts, next_at, last_at FROM login_throttle WHERE key = ?")
    .bind(key)
    .first<{ attempts: number; next_at: number; last_at: number }>();

/** The error envelope without its request id, to compare two answers byte for byte. */
const withoutRequestId = (json: any) => JSON.stringify({ ...json, error: { ...json.error, request_id: "" } });

describe("login throttling", () => {
  it("after six failures each attempt waits a doubling delay, refused with 429 and Retry-After even with the right password", async () => {
    const s = await signup({ password: "the right password" });
    const ip = newAddress();
    const key = `login:account:${s.user.email}`;
    // Five free attempts, and a sixth that starts the delays.
    for (let i = 0; i < 6; i++) expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const row = (await throttle(key))!;
      delays.push(row.next_at - row.last_at);
      await elapse(key, row.next_at - row.last_at);
      expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000]);

    // Within the 64 s now due, even the right password waits.
    const held = await login(s.user.email, "the right password", ip);
    expectError(held, 429, "rate_limited");
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(50);
    expect(Number(held.headers.get("retry-after"))).toBeLessThanOrEqual(64);

    // Once it has passed the right password signs in, and the account starts over.
    await elapse(key, 64_000);
    expect((await login(s.user.email, "the right password", ip)).status).toBe(200);
    expect(await throttle(key)).toBeNull();
    expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
  });

  it("an attacker cannot lock an account out for longer than 15 minutes", async () => {
    const s = await signup({ password: "the right password" });
    const ip = newAddress();
    const key = `login:account:${s.user.email}`;
    expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
    // As after a long run of guesses: far beyond where doubling would pass 15 minutes.
    await env.DB.prepare("UPDATE login_throttle SET attempts = 60 WHERE key = ?").bind(key).run();
    expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
    const held = await login(s.user.email, "the right password", ip);
    expectError(held, 429, "rate_limited");
    // 15 minutes, give or take the second the requests took.
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(890);
    expect(Number(held.headers.get("retry-after"))).toBeLessThanOrEqual(900);
    await elapse(key, 900_000);
    expect((await login(s.user.email, "the right password", ip)).status).toBe(200);
  });

  it("concurrent guesses cannot slip past the delay together", async () => {
    const s = await signup();
    const ip = newAddress();
    const key = `login:account:${s.user.email}`;
    expectError(await login(s.user.email, "wrong password", ip), 401, "unauthorized");
    // As after fifteen failures whose delay has just passed: the next attempt is allowed and sets a 512 s delay.
    await env.DB.prepare("UPDATE login_throttle SET attempts = 15, next_at = last_at WHERE key = ?").bind(key).run();
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(s.user.email, "wrong password", ip)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st === 401)).toHaveLength(1);
    expect(statuses.filter((st) => st === 429)).toHaveLength(19);
  });

  it("an address that failed too often waits, whichever account it tries", async () => {
    const s = await signup({ password: "the right password" });
    const ip = newAddress();
    await env.DB.prepare("INSERT INTO login_throttle (key, attempts, next_at, last_at) VALUES (?, 80, ?, ?)")
      .bind(`login:ip:${ip}`, Date.now() + 60_000, Date.now())
      .run();
    const held = await login(s.user.email, "the right password", ip);
    expectError(held, 429, "rate_limited");
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(50);
    // Another address is not held up, and a success does not count against its address.
    const elsewhere = newAddress();
    expect((await login(s.user.email, "the right password", elsewhere)).status).toBe(200);
    expect((await throttle(`login:ip:${elsewhere}`))?.attempts).toBe(0);
  });
});

describe("no answer tells whether an e-mail is registered", () => {
  it("login: an unknown e-mail and a wrong password get the same status and body, and the same password work", async () => {
    const s = await signup();
    const ip = newAddress();
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const wrong = await login(s.user.email, "wrong password", ip);
    const afterWrong = derive.mock.calls.length;
    const unknown = await login(`nobody-${s.tenant.slug}@example.com`, "wrong password", ip);
    const afterUnknown = derive.mock.calls.length - afterWrong;
    derive.mockRestore();
    expectError(wrong, 401, "unauthorized");
    expect(withoutRequestId(unknown.json)).toBe(withoutRequestId(wrong.json));
    expect(unknown.status).toBe(wrong.status);
    expect(afterWrong).toBe(1);
    expect(afterUnknown).toBe(1);
  });

  it("unknown e-mails are throttled exactly like registered ones", async () => {
    const s = await signup();
    const ip = newAddress();
    const unknown = `nobody-${s.tenant.slug}@example.com`;
    const answers = async (email: string) => {
      const out: string[] = [];
      const attempt = async () => {
        const res = await login(email, "wrong password", ip);
        const wait = res.headers.get("retry-after");
        // Retry-After counts down in real time; its size, not its last digit, is what both must share.
        out.push(`${res.status} ${wait === null ? "-" : Number(wait) > 500} ${withoutRequestId(res.json)}`);
      };
      for (let i = 0; i < 6; i++) await attempt();
      // As after fifteen failures whose delay has just passed.
      await env.DB.prepare("UPDATE login_throttle SET attempts = 15, next_at = last_at WHERE key = ?").bind(`login:account:${email}`).run();
      await attempt();
      await attempt();
      return out;
    };
    const known = await answers(s.user.email);
    expect(known.slice(-2).map((a) => a.slice(0, 8))).toEqual(['401 - {"', "429 true"]);
    expect(await answers(unknown)).toEqual(known);
  });
});
