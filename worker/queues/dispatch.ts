import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { DispatchClaim, DoResult } from "../durable/runs/contract";
import type { Env } from "../env";
import type { DispatchMessage } from "./messages";
import { performDispatch, type Background } from "./perform-dispatch";
import { errorFields, log } from "../lib/log";

/** How long a busy claim (another delivery is working on it) waits before the queue retries. */
const BUSY_RETRY_SECONDS = 30;

/** Queue consumer: each message asks the tenant's DO for a claim, calls the connector, reports back. */
export async function handleDispatchBatch(batch: MessageBatch<DispatchMessage>, env: Env, background: Background) {
  await Promise.all(batch.messages.map((m) => handleDispatch(m, env, background)));
}

async function handleDispatch(message: Message<DispatchMessage>, env: Env, background: Background) {
  const msg = message.body;
  const stub = tenantRuns(env, msg.tenantId);
  try {
    // RPC's typing drops a result holding `unknown` (the task's `with`): the contract says what arrives.
    // The message's id: should this delivery claim and then fail to report, the queue's next delivery of the message
    // takes the claim over at once instead of finding it busy until the lease ends.
    const claim = unwrap((await stub.claimDispatch(msg, message.id)) as DoResult<DispatchClaim>);
    if (!claim.ok) {
      if (claim.reason === "busy") message.retry({ delaySeconds: BUSY_RETRY_SECONDS });
      else message.ack();
      return;
    }
    const outcome = await performDispatch(env, msg.tenantId, msg.op, claim.context, background).catch(async (err) => {
      // Our side failed, not the tool (its failures are outcomes): give the claim up so the retry need not wait out
      // the lease. If even that fails, the retry waits for the lease as before.
      await stub.releaseDispatch(msg.tenantId, claim.claimId).catch(() => undefined);
      throw err;
    });
    if (outcome) {
      const report = {
        tenantId: msg.tenantId,
        eventId: `dispatch:${claim.claimId}`,
        claimId: claim.claimId,
        runId: msg.runId,
        taskKey: msg.taskKey,
        attempt: msg.attempt,
        outcome,
        source: msg.op === "trigger" ? ("trigger" as const) : ("poll" as const),
        startedAt: claim.claimedAt,
      };
      unwrap(await stub.reportOutcome(report));
    } else {
      unwrap(await stub.completeDispatch(msg.tenantId, claim.claimId));
    }
    message.ack();
  } catch (err) {
    log.with({ tenantId: msg.tenantId }).error("dispatch failed", { run_id: msg.runId, task: msg.taskKey, op: msg.op, ...errorFields(err) });
    message.retry();
  }
}
