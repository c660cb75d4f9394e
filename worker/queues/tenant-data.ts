import { stalledJobs } from "../db/repo/platform/tenant-jobs";
import type { Env } from "../env";
import { errorFields, log } from "../lib/log";
import { runDeletionStep } from "../tenant-data/delete";
import { runExportStep } from "../tenant-data/export";
import { tenantContext } from "../db/shards";
import { allShardDbs, controlDb } from "../db/shards";

/** One step of a tenant export or deletion; the consumer runs it and sends the next while work remains. */
export type TenantDataMessage = { kind: "export"; tenantId: string; exportId: string } | { kind: "delete"; tenantId: string };

/**
 * Consumes `tutti-tenant-data`: each message is one bounded step of one job. A step is claimed with a lease
 * (db/repo/platform/tenant-jobs.ts), so a copy of the message finds nothing to do; a step that throws is retried by
 * the queue, and a job whose messages all failed is resumed by the hourly cron (`resumeStalledTenantJobs`).
 */
export async function handleTenantDataBatch(batch: MessageBatch<TenantDataMessage>, env: Env) {
  for (const message of batch.messages) {
    const job = message.body;
    try {
      const now = Date.now();
      const { more } =
        job.kind === "export"
          ? await runExportStep(await tenantContext(env, job.tenantId), env.BLOBS, job.exportId, now)
          : await runDeletionStep(env, job.tenantId, now);
      if (more) await env.TENANT_DATA.send(job);
      message.ack();
    } catch (err) {
      log.error("tenant data step failed", { kind: job.kind, tenant_id: job.tenantId, attempts: message.attempts, ...errorFields(err) });
      message.retry();
    }
  }
}

/** How long a running job may go without a step before the cron sends its next step again. */
export const STALLED_AFTER_MS = 15 * 60_000;

/** Sends the next step of every export or deletion that stopped moving (its messages failed or were lost). */
export async function resumeStalledTenantJobs(env: Env, now: number): Promise<number> {
  const { exports, deletions } = await stalledJobs(
    controlDb(env),
    allShardDbs(env).map((s) => s.db),
    now - STALLED_AFTER_MS,
    now,
  );
  const messages: TenantDataMessage[] = [
    ...exports.map((e) => ({ kind: "export" as const, tenantId: e.tenantId, exportId: e.id })),
    ...deletions.map((d) => ({ kind: "delete" as const, tenantId: d.tenantId })),
  ];
  if (messages.length) await env.TENANT_DATA.sendBatch(messages.map((body) => ({ body })));
  return messages.length;
}
