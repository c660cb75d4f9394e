import { primaryKey, sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";

/** A POST with an Idempotency-Key is answered once; repeats replay the stored response. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: tenantId(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    /** 0 while the first request is still being handled. */
    statusCode: integer("status_code").notNull(),
    responseBody: text("response_body"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);
