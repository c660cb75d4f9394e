import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";
import type { TokenScope } from "./enums";

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    scopes: json<TokenScope[]>("scopes").notNull(),
    expiresAt: ms("expires_at"),
    lastUsedAt: ms("last_used_at"),
    revokedAt: ms("revoked_at"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("api_tokens_hash").on(t.tokenHash)],
);
