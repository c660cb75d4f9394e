import { keepRawBody, putRawBody } from "../blobs/raw-bodies";
import { tenantBlobs } from "../blobs/store";
import type { TenantCtx } from "../db/client";
import { recordDeliveries, type NewDelivery, type RecordResult } from "../db/repo/platform/webhook-deliveries";

export type DeliveryReceived = Omit<NewDelivery, "payloadBytes" | "payloadSha256" | "payloadBlobKey">;

/**
 * Stores one verified tool webhook delivery: its body in R2 first (once per tenant and content), then its D1 row
 * naming the key (once per tool delivery id; copies are counted). A put that fails throws before any row is written,
 * so no row names a missing body and the tool, answered 5xx, sends the delivery again. A row write that fails after
 * the put leaves an object no row names, which the next copy of the same body finds.
 */
export async function storeDelivery(bucket: R2Bucket, ctx: TenantCtx, delivery: DeliveryReceived, body: Uint8Array): Promise<RecordResult> {
  const blobs = tenantBlobs(bucket, ctx);
  const payload = await putRawBody(blobs, "webhook-payload", body);
  const [stored] = await recordDeliveries(ctx, [{ ...delivery, payloadBytes: payload.bytes, payloadSha256: payload.sha256, payloadBlobKey: payload.key }]);
  await keepRawBody(blobs, "webhook-payload", payload, body);
  return stored;
}
