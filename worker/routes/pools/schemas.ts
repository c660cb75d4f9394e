import { z } from "@hono/zod-openapi";
import type { Pool } from "../../db/repo/pipelines/pools";
import type { PoolAttempt, PoolLine, PoolUse } from "../../durable/runs/contract";
import { MAX_POOL_SLOTS, PoolName } from "../../pipelines/spec";
import { timestamp } from "../shared";

export const PoolParams = z.object({ name: PoolName.openapi({ example: "snowflake-warehouse" }) });

const Slots = z.number().int().min(1).max(MAX_POOL_SLOTS).openapi({ description: "How many slots tasks may hold at once", example: 4 });
const Description = z.string().max(500);

export const CreatePoolBody = z.strictObject({ name: PoolParams.shape.name, slots: Slots, description: Description.optional() }).openapi("CreatePoolRequest");

export const UpdatePoolBody = z
  .strictObject({
    slots: Slots.optional().openapi({
      description: "New size. Below the slots in use, running tasks finish and nothing starts until the pool is under the new size",
    }),
    description: Description.optional(),
  })
  .openapi("UpdatePoolRequest");

export const PoolOut = z
  .object({
    name: z.string(),
    slots: z.number().int(),
    description: z.string(),
    in_use: z.number().int().openapi({ description: "Slots held now by running task attempts (may exceed `slots` right after a shrink)" }),
    waiting: z.number().int().openapi({ description: "Task attempts waiting for a slot" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("Pool");

export const PoolList = z.object({ items: z.array(PoolOut) }).openapi("PoolList");

const PoolAttemptOut = z
  .object({
    run_id: z.string(),
    pipeline: z.string().nullable(),
    task_key: z.string(),
    attempt: z.number().int(),
    slots: z.number().int().openapi({ description: "Slots the attempt holds or asks for (the task's `pool_slots`)" }),
  })
  .openapi("PoolAttempt");

export const PoolDetailOut = PoolOut.extend({
  holders: z.array(PoolAttemptOut).openapi({ description: "Task attempts holding slots now" }),
  waiters: z.array(PoolAttemptOut).openapi({ description: "Task attempts waiting for slots, in the order they will get them (oldest ask first)" }),
}).openapi("PoolDetail");

/** The pool with its use as the engine reports it (none reported: nothing held, nothing waiting). */
export function poolOut(pool: Pool, usage: readonly PoolUse[]): z.input<typeof PoolOut> {
  const use = usage.find((u) => u.name === pool.name);
  return {
    name: pool.name,
    slots: pool.slots,
    description: pool.description,
    in_use: use?.inUse ?? 0,
    waiting: use?.waiting ?? 0,
    created_at: new Date(pool.createdAt).toISOString(),
    updated_at: new Date(pool.updatedAt).toISOString(),
  };
}

const attemptOut = (a: PoolAttempt): z.input<typeof PoolAttemptOut> => ({
  run_id: a.runId,
  pipeline: a.pipeline,
  task_key: a.taskKey,
  attempt: a.attempt,
  slots: a.slots,
});

/** The pool with its use and the attempts behind it, as the engine reports them. */
export function poolDetailOut(pool: Pool, line: PoolLine): z.input<typeof PoolDetailOut> {
  return { ...poolOut(pool, [line]), holders: line.holders.map(attemptOut), waiters: line.waiters.map(attemptOut) };
}
