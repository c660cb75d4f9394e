import { and, eq } from "drizzle-orm";
import { open, seal, type Envelope, type KeyRing } from "../../../lib/envelope";
import { toBase64 } from "../../../lib/encoding";
import { SECRET_PREFIX } from "../../../alerting/standard-webhooks";
import { batchSides, type TenantCtx } from "../../client";
import { pipelineWebhookSecrets } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { createWithPublicId, publicIdInsert } from "../platform/public-ids";

/** The signing secrets of pipelines' webhook triggers: sealed at rest, returned once when made, never again. */

/** Binds the sealed secret to its tenant and pipeline so an envelope copied to another row fails to open. */
export const webhookSecretAad = (tenantId: string, pipelineId: string) => `tutti/pipeline-webhook/${tenantId}/${pipelineId}`;

/** A new `whsec_…` secret: 32 random bytes, base64, as Standard Webhooks senders expect. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Creates or replaces the pipeline's secret (the old one stops working at once) and records who did it. */
export async function replaceWebhookSecret(
  ctx: TenantCtx,
  source: AuditSource,
  ring: KeyRing,
  pipeline: { id: string; name: string; teamId: string },
  secret: string,
): Promise<{ createdAt: number; rotated: boolean }> {
  const sealed = await seal(ring, secret, webhookSecretAad(ctx.tenantId, pipeline.id));
  const previous = await webhookSecretInfo(ctx, pipeline.id);
  const actor = `${source.principal.actor.type}:${source.principal.actor.id}`;
  const shard = [
    ctx.db
      .insert(pipelineWebhookSecrets)
      .values({ tenantId: ctx.tenantId, pipelineId: pipeline.id, secret: sealed, createdBy: actor, createdAt: source.now })
      .onConflictDoUpdate({
        target: [pipelineWebhookSecrets.tenantId, pipelineWebhookSecrets.pipelineId],
        set: { secret: sealed, createdBy: actor, createdAt: source.now },
      }),
    auditInsert(ctx, source, {
      action: previous ? "pipeline.webhook_secret_rotated" : "pipeline.webhook_secret_created",
      targetType: "pipeline",
      targetId: pipeline.id,
      teamId: pipeline.teamId,
      details: { name: pipeline.name },
    }),
  ];
  // The pipeline's id becomes a public one (its webhook URL) with its first secret. A rotation writes the entry again
  // (a second copy changes nothing) and never takes it back should its shard write fail.
  if (previous) await batchSides(ctx, [publicIdInsert(ctx, "pipeline_webhook", pipeline.id, source.now)], shard);
  else await createWithPublicId(ctx, "pipeline_webhook", pipeline.id, source.now, shard);
  return { createdAt: source.now, rotated: previous !== null };
}

/** When the pipeline's secret was made, or null when it has none. */
export async function webhookSecretInfo(ctx: TenantCtx, pipelineId: string): Promise<{ createdAt: number } | null> {
  const [row] = await ctx.db
    .select({ createdAt: pipelineWebhookSecrets.createdAt })
    .from(pipelineWebhookSecrets)
    .where(and(eq(pipelineWebhookSecrets.tenantId, ctx.tenantId), eq(pipelineWebhookSecrets.pipelineId, pipelineId)))
    .limit(1);
  return row ?? null;
}

export interface SealedWebhookSecret {
  tenantId: string;
  pipelineId: string;
  secret: Envelope;
}

/**
 * The receiver's lookup: its URL names only the pipeline, the control database's directory of public ids names the
 * tenant (lib/public-ids.ts), and the secret is read here on the tenant's shard by tenant and pipeline.
 */
export async function findWebhookSecret(ctx: TenantCtx, pipelineId: string): Promise<SealedWebhookSecret | null> {
  const [row] = await ctx.db
    .select({ tenantId: pipelineWebhookSecrets.tenantId, pipelineId: pipelineWebhookSecrets.pipelineId, secret: pipelineWebhookSecrets.secret })
    .from(pipelineWebhookSecrets)
    .where(and(eq(pipelineWebhookSecrets.tenantId, ctx.tenantId), eq(pipelineWebhookSecrets.pipelineId, pipelineId)))
    .limit(1);
  return row ?? null;
}

export function openWebhookSecret(ring: KeyRing, row: SealedWebhookSecret): Promise<string> {
  return open(ring, row.secret, webhookSecretAad(row.tenantId, row.pipelineId));
}
