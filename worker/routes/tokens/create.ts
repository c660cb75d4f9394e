import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getTeam } from "../../db/repo/accounts/teams";
import { createApiToken } from "../../db/repo/accounts/tokens";
import { ApiError, invalid } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";
import { randomString } from "../../lib/ids";
import { canActForTeam, requireSignedInUser } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { withholdFromReplay } from "../../middleware/idempotency";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { CreateTokenBody, CreatedToken, tokenOut } from "./schemas";

/** Random part of a token: 40 characters of [0-9a-z] ≈ 206 bits. */
const TOKEN_RANDOM_LENGTH = 40;
/** Random characters kept in the visible prefix: enough to tell tokens apart, far too few to guess the rest. */
const PREFIX_RANDOM_CHARS = 6;

export const route = createRoute({
  method: "post",
  path: "/tokens",
  tags: ["tokens"],
  summary: "Create an API token for a team (signed-in users who can act for the team)",
  description:
    "The token is returned once in `token`; only its SHA-256 hash is stored. " +
    "A retry with the same Idempotency-Key does not repeat the token: it answers 409 conflict naming the token that was created " +
    "(revoke it and create another if the first response was lost).",
  security: bearerSecurity,
  request: jsonBody(CreateTokenBody),
  responses: { 201: jsonResponse(CreatedToken, "The token, shown once"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "creating API tokens");
    const body = c.req.valid("json");
    const now = c.get("clock").now();
    const expiresAt = body.expires_at ? Date.parse(body.expires_at) : null;
    if (expiresAt != null && expiresAt <= now) throw invalid("expires_at", "must be in the future");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (!(await getTeam(ctx, body.team_id))) throw invalid("team_id", "no such team");
    if (!canActForTeam(p, body.team_id)) throw new ApiError("forbidden", "you can create tokens only for teams you belong to");
    const env = (c.env.TUTTI_ENV || "dev").toLowerCase().replace(/[^a-z0-9]/g, "") || "dev";
    const head = `tt_${env}_`;
    const token = head + randomString(TOKEN_RANDOM_LENGTH);
    const created = await createApiToken(ctx, auditSource(c), {
      teamId: body.team_id,
      name: body.name,
      prefix: token.slice(0, head.length + PREFIX_RANDOM_CHARS),
      tokenHash: await sha256Hex(token),
      scopes: body.scopes,
      expiresAt,
      createdBy: p.userId,
    });
    withholdFromReplay(
      c,
      `this Idempotency-Key already created API token ${created.id} (${created.prefix}…); it was shown only once, in the first response — revoke it and create another if it was lost`,
    );
    return send(c, 201, CreatedToken, { token, api_token: tokenOut(created) });
  });
}
