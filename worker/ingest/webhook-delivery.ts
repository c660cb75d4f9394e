import { keepRawBody, putRawBodyPack } from "../blobs/raw-bodies";
import { tenantBlobs } from "../blobs/store";
import type { TenantCtx } from "../db/client";
import { recordDeliveries, type NewDelivery, type RecordResult } from "../db/repo/platform/webhook-deliveries";

export type DeliveryReceived = Omit<NewDelivery, "payloadBytes" | "payloadSha256" | "payloadBlobKey" | "payloadOffset">;

interface Waiting {
  delivery: DeliveryReceived;
  body: Uint8Array;
  /** Set by whoever writes the group; the delivery's own request reads it (see waitFor). */
  result?: PromiseSettledResult<RecordResult>;
}

/** A tenant's deliveries in this isolate: whether a write of them is in flight, and the group gathering behind it. */
interface Lane {
  /** When the write in flight began (null: none). One older than GROUP_WAIT_MS is taken for lost (its request was torn down). */
  writingSince: number | null;
  gathering: Waiting[] | null;
}

/** Most deliveries stored together: a D1 batch of this many upserts stays far below D1's limits. */
export const MAX_DELIVERY_GROUP = 64;
/** How long a delivery waits for the write of its group before it gives up (answered 5xx: the tool sends it again). */
export const GROUP_WAIT_MS = 20_000;
/** How often a waiting delivery looks whether its turn has come or its group was written. */
const POLL_MS = 1;

const lanes = new WeakMap<R2Bucket, Map<string, Lane>>();

/**
 * Stores one verified tool webhook delivery and resolves once it is stored: its body in R2 first, then its D1 row
 * naming the key (once per tool delivery id; copies are counted). A put that fails throws before any row is written,
 * so no row names a missing body and the tool, answered 5xx, sends the delivery again. A row write that fails after
 * the put leaves an object no row names, which the next copy of the same body finds.
 *
 * Group commit: deliveries of one tenant that arrive in this isolate while a write of its deliveries is in flight
 * wait for it and are then stored together — their bodies as one object (putRawBodyPack), their rows in one D1
 * batch — by the first of them; each still returns only once its own row is written. An idle tenant's delivery is
 * written at once, alone, as before. Under a burst this turns one R2 put and one D1 transaction per delivery into
 * one per group. Waiting is done on each request's own timer, polling a flag: a promise resolved by another
 * request would resume the waiting request inside that other request's context, where workerd refuses its I/O.
 */
export async function storeDelivery(
  bucket: R2Bucket,
  ctx: TenantCtx,
  delivery: DeliveryReceived,
  body: Uint8Array,
  /** The request's: keeps a group's write running should its request be cancelled, as the others wait on it. */
  waitUntil: (p: Promise<unknown>) => void = () => {},
): Promise<RecordResult> {
  const tenants = lanes.get(bucket) ?? new Map<string, Lane>();
  lanes.set(bucket, tenants);
  const lane: Lane = tenants.get(ctx.tenantId) ?? { writingSince: null, gathering: null };
  tenants.set(ctx.tenantId, lane);
  const me: Waiting = { delivery, body };
  const writing = () => lane.writingSince !== null && Date.now() - lane.writingSince < GROUP_WAIT_MS;
  const write = (group: Waiting[]) => {
    const done = writeInLane(tenants, ctx.tenantId, lane, bucket, ctx, group);
    waitUntil(done);
    return done;
  };
  if (!writing()) {
    await write([me]);
  } else if (lane.gathering && lane.gathering.length < MAX_DELIVERY_GROUP) {
    lane.gathering.push(me);
    await waitFor(() => me.result !== undefined);
  } else if (lane.gathering) {
    // The gathering group is full: this one is written alone, beside the lane's writes.
    await writeGroup(bucket, ctx, [me]);
  } else {
    // This delivery leads the next group: it gathers those that arrive until the write in flight is done.
    const group = [me];
    lane.gathering = group;
    await waitFor(() => !writing());
    if (lane.gathering === group) lane.gathering = null;
    await write(group);
  }
  const result = me.result!;
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

async function writeInLane(tenants: Map<string, Lane>, tenantId: string, lane: Lane, bucket: R2Bucket, ctx: TenantCtx, group: Waiting[]) {
  const since = Date.now();
  lane.writingSince = since;
  try {
    await writeGroup(bucket, ctx, group);
  } finally {
    if (lane.writingSince === since) lane.writingSince = null;
    if (!lane.gathering && tenants.get(tenantId) === lane) tenants.delete(tenantId);
  }
}

async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + GROUP_WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("the write of this webhook delivery's group did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Writes a group and sets each delivery's result; should the group's write fail, each is written alone. */
async function writeGroup(bucket: R2Bucket, ctx: TenantCtx, group: Waiting[]): Promise<void> {
  try {
    const results = await storeTogether(bucket, ctx, group);
    group.forEach((w, i) => (w.result = { status: "fulfilled", value: results[i] }));
  } catch (err) {
    if (group.length === 1) {
      group[0].result = { status: "rejected", reason: err };
      return;
    }
    // One delivery cannot sink the others: each alone, in turn (the tool retries only those that fail).
    for (const w of group) {
      try {
        w.result = { status: "fulfilled", value: (await storeTogether(bucket, ctx, [w]))[0] };
      } catch (single) {
        w.result = { status: "rejected", reason: single };
      }
    }
  }
}

async function storeTogether(bucket: R2Bucket, ctx: TenantCtx, group: Waiting[]): Promise<RecordResult[]> {
  const blobs = tenantBlobs(bucket, ctx);
  const pack = await putRawBodyPack(
    blobs,
    "webhook-payload",
    group.map((w) => w.body),
  );
  const stored = await recordDeliveries(
    ctx,
    group.map((w, i) => ({
      ...w.delivery,
      payloadBytes: pack.bodies[i].bytes,
      payloadSha256: pack.bodies[i].sha256,
      payloadBlobKey: pack.object.key,
      payloadOffset: pack.bodies[i].offset,
    })),
  );
  await keepRawBody(blobs, "webhook-payload", pack.object, pack.content);
  return stored;
}
