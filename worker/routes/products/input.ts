import type { z } from "@hono/zod-openapi";
import { toMicros } from "../../costs/money";
import type { TenantCtx } from "../../db/client";
import { existingDatasetIds } from "../../db/repo/lineage/catalog";
import { existingPipelineNames } from "../../db/repo/pipelines/pipelines";
import type { MemberInput, ProductFields } from "../../db/repo/products/write";
import { getTeam } from "../../db/repo/accounts/teams";
import { ApiError, type ErrorDetail, invalid } from "../../lib/errors";
import { canActForTeam, type Principal } from "../../lib/principal";
import { parseDuration } from "../../lib/time";
import { assertValidPolicy, DEFAULT_MAX_AGE_MS } from "../../lineage/freshness";
import type { CreateProductBody } from "./schemas";

type Body = Partial<z.infer<typeof CreateProductBody>>;

/** The owner team must exist and the caller must be able to act for it. */
export async function checkOwnerTeam(ctx: TenantCtx, p: Principal, teamId: string): Promise<void> {
  if (!(await getTeam(ctx, teamId))) throw invalid("owner_team_id", "no such team");
  if (!canActForTeam(p, teamId)) throw new ApiError("forbidden", "you can give products only to teams you belong to");
}

/** Body fields → repository fields; only the fields present in the body. */
export function fieldsOf(body: Body, currency: string): Partial<ProductFields> {
  const f: Partial<ProductFields> = {};
  if (body.name !== undefined) f.name = body.name;
  if (body.title !== undefined) f.title = body.title;
  if (body.description !== undefined) f.description = body.description;
  if (body.owner_team_id !== undefined) f.ownerTeamId = body.owner_team_id;
  if (body.tier !== undefined) f.tier = body.tier;
  if (body.declared_value !== undefined) {
    const v = body.declared_value;
    if (v && v.currency !== undefined && v.currency !== currency) {
      throw invalid("declared_value.currency", `values are kept in the tenant's cost currency, ${currency}; convert before declaring`);
    }
    f.valueMicros = v ? toMicros(v.monthly_amount) : null;
    f.valueRationale = v?.rationale ?? "";
  }
  if (body.sla !== undefined) {
    const fresh = body.sla.freshness;
    if (fresh !== undefined) {
      if (fresh === null) f.sla = null;
      else {
        try {
          assertValidPolicy(fresh);
        } catch (err) {
          throw invalid("sla.freshness.cron", `invalid cron or time zone: ${(err as Error).message}`);
        }
        const maxAgeMs = fresh.max_age === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(fresh.max_age);
        if (maxAgeMs === undefined || maxAgeMs <= 0) throw invalid("sla.freshness.max_age", "a duration like 90m, 24h or 2d");
        f.sla = { cron: fresh.cron, timezone: fresh.timezone, maxAgeMs };
      }
    }
    if (body.sla.success_rate_target !== undefined) f.slaSuccessTarget = body.sla.success_rate_target === null ? null : body.sla.success_rate_target / 100;
  }
  if (body.consumers !== undefined) f.consumers = body.consumers.map((c) => ({ kind: c.kind, name: c.name, url: c.url ?? null }));
  return f;
}

/** Member lists in the body → members, or undefined when the body names none (keep the current ones). */
export async function membersOf(ctx: TenantCtx, body: Body): Promise<MemberInput[] | undefined> {
  if (body.datasets === undefined && body.tags === undefined && body.patterns === undefined && body.pipelines === undefined) return undefined;
  const problems: ErrorDetail[] = [];
  const datasets = body.datasets ?? [];
  const pipelines = body.pipelines ?? [];
  if (datasets.length) {
    const found = await existingDatasetIds(
      ctx,
      datasets.map((d) => d.id),
    );
    datasets.forEach((d, i) => found.has(d.id) || problems.push({ path: `datasets[${i}].id`, message: "no such dataset" }));
  }
  if (pipelines.length) {
    const found = await existingPipelineNames(
      ctx,
      pipelines.map((p) => p.name),
    );
    pipelines.forEach((p, i) => found.has(p.name) || problems.push({ path: `pipelines[${i}].name`, message: "no such pipeline" }));
  }
  if (problems.length) throw new ApiError("validation_failed", `${problems[0].path}: ${problems[0].message}`, problems);
  const out = new Map<string, MemberInput>();
  const add = (m: MemberInput) => out.set(`${m.kind}\u0000${m.ref}`, m);
  datasets.forEach((d) => add({ kind: "dataset", ref: d.id, weight: d.weight }));
  (body.tags ?? []).forEach((t) => add({ kind: "tag", ref: t.tag, weight: t.weight }));
  (body.patterns ?? []).forEach((p) => add({ kind: "pattern", ref: p.pattern, weight: p.weight }));
  pipelines.forEach((p) => add({ kind: "pipeline", ref: p.name, weight: p.weight }));
  return [...out.values()];
}
