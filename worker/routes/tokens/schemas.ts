import { z } from "@hono/zod-openapi";
import type { ApiToken } from "../../db/repo/accounts/tokens";
import { tokenScopes } from "../../db/schema/enums";
import { isoOrNull, timestamp } from "../shared";

export const ApiTokenOut = z
  .object({
    id: z.string().openapi({ example: "tok_3k9q0x2m4n5b6v7c8z1a" }),
    name: z.string(),
    team_id: z.string(),
    prefix: z.string().openapi({ description: "The first characters of the token, to recognise it", example: "tt_prod_k3x9q2" }),
    scopes: z.array(z.enum(tokenScopes)),
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    created_at: timestamp,
    created_by: z.string().openapi({ description: "User id of the creator; the token stops working when they leave the tenant" }),
  })
  .openapi("ApiToken");

export const ApiTokenList = z.object({ items: z.array(ApiTokenOut), next_cursor: z.string().nullable() }).openapi("ApiTokenList");

export const CreateTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80).openapi({ example: "GitHub Actions deploy" }),
    team_id: z.string().min(1).max(64),
    scopes: z
      .array(z.enum(tokenScopes))
      .min(1)
      .max(tokenScopes.length)
      .refine((s) => new Set(s).size === s.length, "each scope at most once"),
    expires_at: z.iso.datetime({ offset: true }).optional().openapi({ description: "ISO date-time in the future; never expires when omitted" }),
  })
  .openapi("CreateTokenRequest");

export const CreatedToken = z
  .object({
    token: z.string().openapi({ description: "The token (`tt_<env>_…`); shown only in this response", example: "tt_prod_k3x9q2…" }),
    api_token: ApiTokenOut,
  })
  .openapi("CreatedToken");

export const tokenOut = (t: ApiToken): z.input<typeof ApiTokenOut> => ({
  id: t.id,
  name: t.name,
  team_id: t.teamId,
  prefix: t.prefix,
  scopes: t.scopes,
  expires_at: isoOrNull(t.expiresAt),
  last_used_at: isoOrNull(t.lastUsedAt),
  revoked_at: isoOrNull(t.revokedAt),
  created_at: new Date(t.createdAt).toISOString(),
  created_by: t.createdBy,
});
