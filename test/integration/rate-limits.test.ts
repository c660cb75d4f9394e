import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantLimits } from "../../worker/durable/client";
import type { TenantLimits } from "../../worker/durable/tenant-limits";
import { api, expectError } from "../helpers/api";
import { createToken } from "../helpers/fixtures";
import { lineageTenant, postEvent } from "../helpers/lineage";
import { openLineageFixtures } from "../helpers/lineage-fixtures";

// This file runs in the `rate-limits` project: RATE_LIMIT_INGEST_PER_MIN=3, RATE_LIMIT_WRITES_PER_MIN=4 (vitest.config.ts).
const INGEST = 3;
const WRITES = 4;
/** 15 s into a minute, so the window has 45 s left. */
const PINNED = Date.UTC(2030, 0, 1, 12, 0, 15);

/** Pins the tenant's rate-limit clock (its counters then start afresh: setup requests fell in another window). */
async function pinClock(tenantId: string, at: number) {
  await runInDurableObject(tenantLimits(env, tenantId), (instance) => {
    (instance as unknown as TenantLimits).clock = { now: () => at };
  });
}

const event = () => openLineageFixtures["openlineage/marquez_event_simple.json"];

function expectLimited(res: { status: number; json: any; headers: Headers }, limit: string, retryAfter: string) {
  expectError(res, 429, "rate_limited");
  expect(res.headers.get("retry-after")).toBe(retryAfter);
  expect(res.json.error.details).toEqual([{ path: limit, message: expect.stringMatching(/per minute per/) }]);
}

describe("per-tenant rate limits", () => {
  it("a tenant past its ingest limit gets 429 rate_limited with Retry-After; another tenant's ingest is unaffected", async () => {
    const a = await lineageTenant();
    const b = await lineageTenant();
    await pinClock(a.s.tenant.id, PINNED);
    await pinClock(b.s.tenant.id, PINNED);
    for (let i = 0; i < INGEST; i++) expect((await postEvent(a.token, event())).status).toBeLessThan(300);
    const refused = await postEvent(a.token, event());
    expectLimited(refused, "quota.ingest_requests_per_minute", "45");
    expect(refused.json.error.message).toContain(`at most ${INGEST} ingest requests per minute per workspace`);
    // Another token of the same tenant shares the tenant's ingest budget.
    const second = await createToken(a.s, a.teamId, ["lineage:write"]);
    expectLimited(await postEvent(second.token, event()), "quota.ingest_requests_per_minute", "45");

    for (let i = 0; i < INGEST; i++) expect((await postEvent(b.token, event())).status).toBeLessThan(300);
    // Other writes and reads of the limited tenant go on.
    expect((await api("/teams", { as: a.s, body: { name: "Still writing" } })).status).toBe(201);
    expect((await api("/datasets", { as: a.token })).status).toBe(200);
  });

  it("writes are limited per token: one token past its limit leaves the tenant's other tokens and its reads alone", async () => {
    const { s, teamId } = await lineageTenant();
    const busy = await createToken(s, teamId, ["read", "pipelines:write"]);
    const calm = await createToken(s, teamId, ["read", "pipelines:write"]);
    await pinClock(s.tenant.id, PINNED + 30_000);
    // Every write counts, whatever its outcome: this spec is invalid and each push is a 400.
    const push = (token: string) => api("/pipelines", { as: token, body: { spec_text: "name: x\n" } });
    for (let i = 0; i < WRITES; i++) expect((await push(busy.token)).status).toBe(400);
    const refused = await push(busy.token);
    expectLimited(refused, "RATE_LIMIT_WRITES_PER_MIN", "15");
    expect(refused.json.error.message).toContain(`at most ${WRITES} writes per minute per API token`);
    expect((await api("/pipelines", { as: busy.token })).status).toBe(200);
    expect((await push(calm.token)).status).toBe(400);
    expect((await api("/teams", { as: s, body: { name: "Users count apart" } })).status).toBe(201);
  });

  it("the next window lets the tenant in again", async () => {
    const { s, token } = await lineageTenant();
    await pinClock(s.tenant.id, PINNED);
    for (let i = 0; i < INGEST; i++) await postEvent(token, event());
    expectLimited(await postEvent(token, event()), "quota.ingest_requests_per_minute", "45");
    await pinClock(s.tenant.id, PINNED + 44_999);
    expectLimited(await postEvent(token, event()), "quota.ingest_requests_per_minute", "1");
    await pinClock(s.tenant.id, PINNED + 45_000);
    expect((await postEvent(token, event())).status).toBeLessThan(300);
  });
});
