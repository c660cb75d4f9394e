import { z } from "@hono/zod-openapi";
import type { BackfillSlot, BackfillSummary } from "../../db/repo/runs/backfills";
import { backfillControls, backfillStates } from "../../engine/backfill-control";
import { runStatuses } from "../../engine/states";
import { isoOrNull } from "../shared";

export const BackfillSlotCounts = z
  .object({
    total: z.number().int(),
    pending: z.number().int().openapi({ description: "Not started yet (queued, or held while paused)" }),
    running: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int().openapi({ description: "Failed or timed out" }),
    cancelled: z.number().int(),
  })
  .openapi("BackfillSlotCounts");

export const BackfillSummaryOut = z
  .object({
    id: z.string(),
    pipeline: z.object({ id: z.string(), name: z.string() }),
    team_id: z.string(),
    from: z.string(),
    to: z.string(),
    parallelism: z.number().int(),
    state: z.enum(backfillStates).openapi({
      description: "`cancelled` once cancelled; while slots remain `running` or `paused`; then `succeeded` when every slot succeeded, else `failed`",
    }),
    control: z.enum(backfillControls).openapi({ description: "What it was last told: run, pause or cancel" }),
    slots: BackfillSlotCounts,
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string().nullable(),
  })
  .openapi("BackfillSummary");

export const BackfillSlotOut = z
  .object({
    at: z.string().openapi({ description: "The schedule slot" }),
    run_id: z.string().openapi({ description: "The slot's latest run" }),
    status: z.enum(runStatuses),
    runs: z.number().int().openapi({ description: "Runs the slot has had (more than 1 after a retry)" }),
  })
  .openapi("BackfillSlot");

export const BackfillDetailOut = BackfillSummaryOut.extend({
  slot_runs: z.array(BackfillSlotOut).openapi({ description: "Each slot with a run, in schedule order" }),
}).openapi("BackfillDetail");

export function backfillSummaryOut(b: BackfillSummary): z.input<typeof BackfillSummaryOut> {
  return {
    id: b.id,
    pipeline: { id: b.pipelineId, name: b.pipelineName },
    team_id: b.teamId,
    from: new Date(b.fromAt).toISOString(),
    to: new Date(b.toAt).toISOString(),
    parallelism: b.parallelism,
    state: b.state,
    control: b.control,
    slots: b.slots,
    created_by: b.createdBy,
    created_at: new Date(b.createdAt).toISOString(),
    updated_at: isoOrNull(b.updatedAt),
  };
}

export function backfillDetailOut(b: BackfillSummary, slots: BackfillSlot[]): z.input<typeof BackfillDetailOut> {
  return {
    ...backfillSummaryOut(b),
    slot_runs: slots.map((s) => ({ at: new Date(s.logicalAt).toISOString(), run_id: s.runId, status: s.status as (typeof runStatuses)[number], runs: s.runs })),
  };
}
