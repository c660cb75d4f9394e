import { describe, expect, it } from "vitest";
import { api, expectError, type Session } from "../helpers/api";
import { addMember, createToken } from "../helpers/fixtures";
import { waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

const push = (s: Session, spec: Record<string, unknown>) => api("/pipelines", { as: s, body: { spec_text: JSON.stringify(spec), format: "json" } });

async function auditActions(s: Session, target: string): Promise<string[]> {
  const res = await api(`/audit-log?target_id=${target}&limit=50`, { as: s });
  expect(res.status).toBe(200);
  return (res.json.items as Array<{ action: string }>).map((e) => e.action).reverse();
}

describe("pools API", () => {
  it("an admin creates, lists with use, resizes and deletes a pool, each audited", async () => {
    const { s } = await setupTenant();
    const created = await api("/pools", { as: s, body: { name: "snowflake-warehouse", slots: 4, description: "XL warehouse" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "snowflake-warehouse", slots: 4, description: "XL warehouse", in_use: 0, waiting: 0 });

    const list = await api("/pools", { as: s });
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([expect.objectContaining({ name: "snowflake-warehouse", slots: 4, in_use: 0, waiting: 0 })]);

    const resized = await api("/pools/snowflake-warehouse", { as: s, method: "PATCH", body: { slots: 2 } });
    expect(resized.status).toBe(200);
    expect(resized.json).toMatchObject({ slots: 2, description: "XL warehouse" });

    expect((await api("/pools/snowflake-warehouse", { as: s, method: "DELETE" })).status).toBe(204);
    expect((await api("/pools", { as: s })).json.items).toEqual([]);
    expect(await auditActions(s, "snowflake-warehouse")).toEqual(["pool.created", "pool.updated", "pool.deleted"]);
  });

  it("refuses a second pool of the same name, bad sizes and names, naming the field", async () => {
    const { s } = await setupTenant();
    expect((await api("/pools", { as: s, body: { name: "wh", slots: 1 } })).status).toBe(201);
    const twice = await api("/pools", { as: s, body: { name: "wh", slots: 3 } });
    expectError(twice, 409, "conflict");
    expect(twice.json.error.details).toEqual([{ path: "name", message: "is taken" }]);
    const zero = await api("/pools", { as: s, body: { name: "other", slots: 0 } });
    expectError(zero, 400, "validation_failed");
    expect(zero.json.error.details[0].path).toBe("slots");
    expectError(await api("/pools", { as: s, body: { name: "Bad Name", slots: 1 } }), 400, "validation_failed");
    expectError(await api("/pools/wh", { as: s, method: "PATCH", body: { slots: -1 } }), 400, "validation_failed");
    expectError(await api("/pools/nope", { as: s, method: "PATCH", body: { slots: 2 } }), 404, "not_found");
  });

  it("only tenant owners and admins change pools; members and tokens read them", async () => {
    const { s, team } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 2 } });
    const member = await addMember(s, "member", { teamId: team.id });
    const admin = await addMember(s, "admin");
    const token = await createToken(s, team.id);
    expectError(await api("/pools", { as: member, body: { name: "mine", slots: 1 } }), 403, "forbidden");
    expectError(await api("/pools/wh", { as: member, method: "PATCH", body: { slots: 9 } }), 403, "forbidden");
    expectError(await api("/pools/wh", { as: token.token, method: "DELETE" }), 403, "forbidden");
    expect((await api("/pools", { as: member })).json.items.map((p: { name: string }) => p.name)).toEqual(["wh"]);
    expect((await api("/pools", { as: token.token })).status).toBe(200);
    expect((await api("/pools/wh", { as: admin, method: "PATCH", body: { slots: 3 } })).json.slots).toBe(3);
  });

  it("another tenant's pools are invisible: not listed, 404 to change or delete, unknown to its pushes", async () => {
    const { s } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 2 } });
    const other = await setupTenant();
    expect((await api("/pools", { as: other.s })).json.items).toEqual([]);
    expectError(await api("/pools/wh", { as: other.s, method: "PATCH", body: { slots: 5 } }), 404, "not_found");
    expectError(await api("/pools/wh", { as: other.s, method: "DELETE" }), 404, "not_found");
    const pushed = await push(other.s, { name: "p", team: other.team.slug, tasks: [toolTask("t", {}, { pool: "wh" })] });
    expectError(pushed, 400, "validation_failed");
    expect((await api("/pools", { as: s })).json.items[0]).toMatchObject({ name: "wh", slots: 2 });
    // The other tenant may use the same name for a pool of its own.
    expect((await api("/pools", { as: other.s, body: { name: "wh", slots: 7 } })).status).toBe(201);
  });

  it("a push naming an unknown pool, more pool_slots than the pool has, or pool_slots without a pool gets a 400 naming the field", async () => {
    const { s, team } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 2 } });
    const unknown = await push(s, { name: "p", team: team.slug, tasks: [toolTask("ok", {}, { pool: "wh" }), toolTask("t", {}, { pool: "warehouse" })] });
    expectError(unknown, 400, "validation_failed");
    expect(unknown.json.error.details).toEqual([expect.objectContaining({ path: "tasks[1].pool", message: 'no pool named "warehouse"; the pools: wh' })]);
    const tooMany = await push(s, { name: "p", team: team.slug, tasks: [toolTask("t", {}, { pool: "wh", pool_slots: 3 })] });
    expectError(tooMany, 400, "validation_failed");
    expect(tooMany.json.error.details[0]).toMatchObject({ path: "tasks[0].pool_slots", message: expect.stringContaining("has 2 slots") });
    const orphan = await push(s, { name: "p", team: team.slug, tasks: [toolTask("t", {}, { pool_slots: 2 })] });
    expectError(orphan, 400, "validation_failed");
    expect(orphan.json.error.details[0]).toMatchObject({ path: "tasks[0].pool_slots", message: "only applies with pool" });
    expect((await api("/pipelines/p", { as: s })).status).toBe(404);
  });

  it("GET /pools/{name} gives one pool's use with the attempt holding its slot and those waiting, in the order they will start", async () => {
    const { s, team } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 1, description: "one query at a time" } });
    const idle = await api("/pools/wh", { as: s });
    expect(idle.status).toBe(200);
    expect(idle.json).toMatchObject({ name: "wh", slots: 1, description: "one query at a time", in_use: 0, waiting: 0, holders: [], waiters: [] });

    // A task that runs until the clock moves (it never does here): the first run holds the slot, the others wait.
    await pushPipeline(s, {
      name: "loads",
      team: team.slug,
      concurrency: { max_runs: 3 },
      tasks: [toolTask("load", { polls: 100 }, { pool: "wh", poll_interval: "1h" })],
    });
    const runs: string[] = [];
    for (let i = 0; i < 3; i++) runs.push((await api("/pipelines/loads/runs", { as: s, body: {} })).json.id);
    for (const id of runs.slice(1)) await waitForRun(s, id, (r) => String(r.tasks[0].reason).startsWith("waiting for pool wh"));

    const busy = await api("/pools/wh", { as: s });
    expect(busy.json).toMatchObject({ in_use: 1, waiting: 2 });
    const attempt = (runId: string) => ({ run_id: runId, pipeline: "loads", task_key: "load", attempt: 1, slots: 1 });
    expect(busy.json.holders).toEqual([attempt(runs[0])]);
    expect(busy.json.waiters).toEqual([attempt(runs[1]), attempt(runs[2])]);
    // The list says the same of it.
    expect((await api("/pools", { as: s })).json.items).toEqual([expect.objectContaining({ name: "wh", in_use: 1, waiting: 2 })]);
  });

  it("GET /pools/{name}: members and tokens read it as they read the list; an unknown name or another tenant's pool is 404", async () => {
    const { s, team } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 2 } });
    const member = await addMember(s, "member", { teamId: team.id });
    const viewer = await addMember(s, "viewer");
    const token = await createToken(s, team.id, ["read"], "reader");
    for (const as of [member, viewer, token.token]) expect((await api("/pools/wh", { as })).json).toMatchObject({ name: "wh", slots: 2 });
    const noRead = await createToken(s, team.id, ["runs:write"], "runner");
    expectError(await api("/pools/wh", { as: noRead.token }), 403, "forbidden");
    expectError(await api("/pools/nope", { as: s }), 404, "not_found");
    const other = await setupTenant();
    expectError(await api("/pools/wh", { as: other.s }), 404, "not_found");
    expectError(await api("/pools/Bad%20Name", { as: s }), 400, "validation_failed");
  });

  it("a pool stays while a pipeline uses it, and can be deleted once none does", async () => {
    const { s, team } = await setupTenant();
    await api("/pools", { as: s, body: { name: "wh", slots: 2 } });
    const spec = { name: "loads", team: team.slug, tasks: [toolTask("t", {}, { pool: "wh", pool_slots: 2 })] };
    const pushed = await pushPipeline(s, spec);
    expect(pushed.spec.tasks[0]).toMatchObject({ pool: "wh", pool_slots: 2 });
    const refused = await api("/pools/wh", { as: s, method: "DELETE" });
    expectError(refused, 409, "conflict");
    expect(refused.json.error.message).toBe('pool "wh" is used by pipeline loads');
    const without = await pushPipeline(s, { ...spec, tasks: [toolTask("t")] });
    // Without a pool the normalized task has no pool keys at all, so specs from before pools hash as they did.
    expect(without.spec.tasks[0]).not.toHaveProperty("pool");
    expect(without.spec.tasks[0]).not.toHaveProperty("pool_slots");
    expect((await api("/pools/wh", { as: s, method: "DELETE" })).status).toBe(204);
  });
});
