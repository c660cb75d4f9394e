import { index, primaryKey, sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * Every verified webhook delivery from a tool, matched or not. The unique key on the tool's delivery id
 * is the replay defence: a redelivery (or five concurrent copies) only counts itself in `copies`, and the run
 * engine applies a delivery id once. Rows are kept, which keeps the dedupe window open well past 7 days. The body
 * itself lives in R2 (worker/blobs/raw-bodies.ts); the row keeps its size, hash and key.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    connector: text("connector").notNull(),
    connectionId: text("connection_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The tool's run id the event is about (dbt run, Fivetran connection, GitHub workflow run …). */
    externalId: text("external_id"),
    receivedAt: ms("received_at").notNull(),
    /** The task run the event was applied to on arrival (null: it concerns no run, or none had its external id yet). */
    matchedRunId: text("matched_run_id"),
    matchedTaskKey: text("matched_task_key"),
    /** Legacy: the body of a delivery from before R2, until `npm run blobs:migrate` moves it (null for every new row). */
    payload: text("payload"),
    payloadBytes: integer("payload_bytes").notNull(),
    /** SHA-256 of the body as received, and its R2 key (`t/<tenant>/webhook-payload/<sha256>`, shared by identical bodies). */
    payloadSha256: text("payload_sha256"),
    payloadBlobKey: text("payload_blob_key"),
    /**
     * Where the body starts inside the object: deliveries stored together share one object (their bodies one after
     * another, worker/blobs/raw-bodies.ts putRawBodyPack), each row naming its slice; null: the whole object.
     */
    payloadOffset: integer("payload_offset"),
    /** How many times the tool sent this delivery (its retries, concurrent copies); only the first is applied. */
    copies: integer("copies").notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("webhook_deliveries_delivery").on(t.tenantId, t.connector, t.connectionId, t.deliveryId),
    index("webhook_deliveries_received").on(t.tenantId, t.receivedAt),
    index("webhook_deliveries_connector").on(t.tenantId, t.connector, t.receivedAt),
    // Retention deletes a body's blob only once no delivery names its key.
    index("webhook_deliveries_blob").on(t.tenantId, t.payloadBlobKey),
  ],
);
