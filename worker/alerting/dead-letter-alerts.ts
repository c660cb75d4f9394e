import type { TenantCtx } from "../db/client";
import { markDeliveryDeadByQueue } from "../db/repo/alerting/deliveries";
import { getRun } from "../db/repo/runs/runs";
import type { Env } from "../env";
import type { DispatchMessage } from "../queues/messages";
import { pipelineKey } from "./intents";
import { defaultSeverity } from "./kinds";
import { applyIntent } from "./lifecycle";

/**
 * A dispatch message that exhausted the queue's retries: Tutti could not talk to a tool for a task (the task
 * attempt fails separately). One alert per pipeline while unresolved; its next successful run resolves it.
 */
export async function alertDispatchDeadLettered(env: Env, ctx: TenantCtx, msg: DispatchMessage, at: number): Promise<void> {
  const run = await getRun(ctx, msg.runId);
  if (run?.environment !== "prod") return;
  const pipeline = { id: run.pipelineId, name: run.pipelineName };
  await applyIntent(env, ctx, {
    action: "raise",
    signalKey: `dispatch_dead:${msg.runId}:${msg.taskKey}:${msg.attempt}:${msg.op}:${msg.seq}`,
    at,
    kind: "dispatch_dead_lettered",
    severity: defaultSeverity.dispatch_dead_lettered,
    dedupeKey: pipelineKey(run.pipelineId, "dispatch_dead_lettered"),
    title: `${run.pipelineName}: could not ${msg.op} task ${msg.taskKey}`,
    summary: `The ${msg.op} of task ${msg.taskKey} (run ${msg.runId}, attempt ${msg.attempt}) failed after every queue retry and went to the dead-letter queue.`,
    subject: { type: "pipeline", ...pipeline },
    owner: { teamId: run.teamId },
    pipeline,
    runId: msg.runId,
    details: { run_id: msg.runId, task: msg.taskKey, attempt: msg.attempt, op: msg.op },
    impactFrom: { pipelineId: run.pipelineId, pipelineName: run.pipelineName, teamId: run.teamId },
    cause: `${run.pipelineName}'s task ${msg.taskKey} could not be dispatched`,
  });
}

/** A notify message the queue gave up on: if it was a delivery, it is dead (and redeliverable from the view). */
export async function noteNotifyDeadLetter(ctx: TenantCtx, body: Record<string, unknown>, at: number): Promise<void> {
  if (body.type === "alert.deliver" && typeof body.deliveryId === "string") await markDeliveryDeadByQueue(ctx, body.deliveryId, at);
}
