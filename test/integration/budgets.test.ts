import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { evaluateBudgets } from "../../worker/costs/budgets-service";
import { listBudgets } from "../../worker/db/repo/costs/budgets";
import type { NotifySender } from "../../worker/queues/notify-messages";
import type { BudgetThresholdCrossedSignal } from "../../worker/queues/signals";
import { api, expectError, signup, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { postCosts, product, record } from "../helpers/costs";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";

/** Records what would go to the notify queue; `failNext` makes the next send throw like an unavailable queue. */
function recorder() {
  const sent: BudgetThresholdCrossedSignal[] = [];
  let failNext = false;
  const sender: NotifySender = {
    async sendBatch(messages) {
      if (failNext) {
        failNext = false;
        throw new Error("queue unavailable");
      }
      for (const m of messages) sent.push(m.body as BudgetThresholdCrossedSignal);
    },
  };
  return { sent, sender, failOnce: () => (failNext = true) };
}

const spend = (s: Session | string, ref: string, amount: number, day: string, attribution: Record<string, unknown> = {}) =>
  postCosts(s, [record({ source: "aws", external_ref: ref, amount, started_at: `${day}T12:00:00Z`, attribution })]);

async function budgetState(s: Session, period: string) {
  const res = await api(`/budgets?period=${period}`, { as: s });
  expect(res.status, res.text).toBe(200);
  return res.json.items as Array<{ id: string; spent: number; percent: number | null; crossings: Array<{ threshold: number; notified: boolean }> }>;
}

describe("budgets", () => {
  it("80 % and 100 % are each crossed once per month, however often spend is posted", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const created = await api("/budgets", { as: s, body: { scope: "team", scope_id: teamId, monthly_limit: 100 } });
    expect(created.status, created.text).toBe(201);
    const month = new Date().toISOString().slice(0, 7);
    const today = new Date().toISOString().slice(0, 10);
    const team = { team_id: teamId };

    await spend(s, "a", 50, today, team);
    expect((await budgetState(s, month))[0]).toMatchObject({ spent: 50, percent: 50, crossings: [] });
    await spend(s, "b", 35, today, team);
    await spend(s, "b", 35, today, team); // the same record again: counted once, crosses nothing new
    expect((await budgetState(s, month))[0]).toMatchObject({ spent: 85, crossings: [{ threshold: 80, notified: true }] });
    await spend(s, "c", 20, today, team);
    await spend(s, "d", 500, today, team);
    expect((await budgetState(s, month))[0].crossings.map((c) => c.threshold)).toEqual([80, 100]);
    const rows = await (await tenantD1(s.tenant.id))
      .prepare("SELECT period, threshold, sent_at FROM budget_crossings WHERE tenant_id = ? ORDER BY threshold")
      .bind(s.tenant.id)
      .all();
    expect(rows.results).toHaveLength(2);
    expect(rows.results.every((r) => r.sent_at !== null)).toBe(true);

    // Another month starts from zero: late costs for March cross March's thresholds, once.
    await spend(s, "march", 90, "2026-03-10", team);
    await spend(s, "march-2", 1, "2026-03-11", team);
    expect((await budgetState(s, "2026-03"))[0]).toMatchObject({ spent: 91, crossings: [{ threshold: 80, notified: true }] });
  });

  it("sends budget.threshold_crossed with the agreed shape, once, and again only after a failed send", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, { name: "finance_revenue", title: "Finance revenue", owner_team_id: teamId });
    await spend(s, "x", 120, "2026-02-14", { products: [{ name: "finance_revenue" }] });
    const ctx = await tenantContext(env, s.tenant.id);
    await api("/budgets", { as: s, body: { scope: "product", scope_id: "finance_revenue", monthly_limit: 100 } });
    const budget = (await listBudgets(ctx))[0];
    const r = recorder();
    r.failOnce();
    await expect(evaluateBudgets(ctx, r.sender, ["2026-02"], 1_000)).rejects.toThrow("queue unavailable");
    expect(r.sent).toEqual([]);
    const sent = await evaluateBudgets(ctx, r.sender, ["2026-02"], 2_000);
    expect(sent).toHaveLength(2);
    expect(r.sent).toEqual([
      {
        type: "budget.threshold_crossed",
        tenantId: s.tenant.id,
        budgetId: budget.id,
        scope: "product",
        scopeId: p.id,
        threshold: 80,
        period: "2026-02",
        amount: 120,
        currency: "USD",
        limit: 100,
        at: 2_000,
        scopeName: "Finance revenue",
        ownerTeamId: teamId,
      },
      {
        type: "budget.threshold_crossed",
        tenantId: s.tenant.id,
        budgetId: budget.id,
        scope: "product",
        scopeId: p.id,
        threshold: 100,
        period: "2026-02",
        amount: 120,
        currency: "USD",
        limit: 100,
        at: 2_000,
        scopeName: "Finance revenue",
        ownerTeamId: teamId,
      },
    ]);
    expect(await evaluateBudgets(ctx, r.sender, ["2026-02"], 3_000)).toEqual([]);
    expect(r.sent).toHaveLength(2);
  });

  it("a budget set below this month's spend crosses at once; lowering the limit crosses the next threshold", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const today = new Date().toISOString().slice(0, 10);
    await spend(s, "big", 90, today, { team_id: teamId });
    const created = await api("/budgets", { as: s, body: { scope: "team", scope_id: teamId, monthly_limit: 100 } });
    expect(created.json.crossings.map((c: { threshold: number }) => c.threshold)).toEqual([80]);
    const lowered = await api(`/budgets/${created.json.id}`, { as: s, method: "PATCH", body: { monthly_limit: 90 } });
    expect(lowered.json).toMatchObject({ monthly_limit: 90, percent: 100 });
    expect(lowered.json.crossings.map((c: { threshold: number }) => c.threshold)).toEqual([80, 100]);
  });

  it("only the owning team may set a budget; one per team or product; the tenant currency only", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const other = await createTeam(s, "Marketing");
    const { token: otherToken } = await createToken(s, other.id);
    const member = await addMember(s, "member", { teamId: other.id });
    expectError(await api("/budgets", { as: otherToken, body: { scope: "team", scope_id: teamId, monthly_limit: 5 } }), 403, "forbidden");
    expectError(await api("/budgets", { as: member, body: { scope: "team", scope_id: teamId, monthly_limit: 5 } }), 403, "forbidden");
    expect((await api("/budgets", { as: member, body: { scope: "team", scope_id: other.id, monthly_limit: 5 } })).status).toBe(201);
    expectError(await api("/budgets", { as: s, body: { scope: "team", scope_id: other.id, monthly_limit: 7 } }), 409, "conflict");
    expectError(await api("/budgets", { as: s, body: { scope: "team", scope_id: teamId, monthly_limit: 5, currency: "EUR" } }), 400, "validation_failed");
    expectError(await api("/budgets", { as: s, body: { scope: "product", scope_id: "nope", monthly_limit: 5 } }), 400, "validation_failed");
    expectError(await api("/budgets", { as: s, body: { scope: "team", scope_id: teamId, monthly_limit: -1 } }), 400, "validation_failed");
  });

  it("another tenant cannot see or change a budget", async () => {
    const a = await signup();
    const b = await signup();
    const teamId = await firstTeamId(a);
    const created = await api("/budgets", { as: a, body: { scope: "team", scope_id: teamId, monthly_limit: 10 } });
    expectError(await api(`/budgets/${created.json.id}`, { as: b, method: "PATCH", body: { monthly_limit: 1 } }), 404, "not_found");
    expectError(await api(`/budgets/${created.json.id}`, { as: b, method: "DELETE" }), 404, "not_found");
    expect((await api("/budgets", { as: b })).json.items).toEqual([]);
    expectError(await api("/budgets", { as: b, body: { scope: "team", scope_id: teamId, monthly_limit: 1 } }), 400, "validation_failed");
    expect((await api(`/budgets/${created.json.id}`, { as: a, method: "DELETE" })).status).toBe(204);
  });
});
