import { z } from "@hono/zod-openapi";
import type { TenantCtx } from "../../db/client";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import type { RunFilter } from "../../db/repo/runs/runs";
import { triggerKinds } from "../../db/schema/runs";
import { runStatuses } from "../../engine/states";

/** The filters the runs list and the runs timeline share. */
export const runFilterQuery = {
  pipeline: z.string().max(64).optional().openapi({ description: "Pipeline name" }),
  status: z
    .string()
    .optional()
    .refine((s) => !s || s.split(",").every((x) => (runStatuses as readonly string[]).includes(x)), `comma-separated of ${runStatuses.join(", ")}`)
    .openapi({ description: "Comma-separated statuses" }),
  trigger: z.enum(triggerKinds).optional(),
  team_id: z.string().max(64).optional(),
  backfill_id: z.string().max(64).optional(),
  environment: z.string().max(32).optional(),
};

const FilterQuery = z.object(runFilterQuery);

/** The repo filter for the query; null when it names a pipeline this tenant does not have (so nothing matches). */
export async function runFilterOf(ctx: TenantCtx, q: z.infer<typeof FilterQuery>): Promise<Omit<RunFilter, "before" | "limit"> | null> {
  let pipelineId: string | undefined;
  if (q.pipeline) {
    const pipeline = await getPipelineByName(ctx, q.pipeline);
    if (!pipeline) return null;
    pipelineId = pipeline.id;
  }
  return {
    pipelineId,
    status: q.status?.split(","),
    triggerKind: q.trigger,
    teamId: q.team_id,
    backfillId: q.backfill_id,
    environment: q.environment,
  };
}
