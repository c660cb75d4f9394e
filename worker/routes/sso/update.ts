import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { clientSecretAad, getSsoConfig, saveSsoSettings, type SsoSettings } from "../../db/repo/sso/config";
import { tenantRoles } from "../../db/schema/enums";
import { loadKeyRing, seal } from "../../lib/envelope";
import { invalid } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { discover, SsoError } from "../../sso/oidc";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { currentSettings } from "./load";
import { requireOwnerSession, SsoSettingsOut } from "./schemas";

const UpdateBody = z
  .strictObject({
    issuer: z.string().trim().max(500).optional().openapi({ description: "The provider's issuer URL, e.g. https://acme.okta.com" }),
    client_id: z.string().trim().min(1).max(300).optional(),
    client_secret: z.string().min(1).max(1000).optional().openapi({ description: "Write-only; needed again whenever `issuer` changes" }),
    default_role: z.enum(tenantRoles).exclude(["owner"]).optional().openapi({ description: "Role of people provisioned at sign-in (default member)" }),
    groups_claim: z.string().trim().min(1).max(100).optional().openapi({ description: "ID token claim listing the person's groups (default groups)" }),
    enforced: z.boolean().optional().openapi({ description: "Turn password sign-in off for everyone but owners" }),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateSsoSettingsRequest");

export const route = createRoute({
  method: "patch",
  path: "/sso",
  tags: ["sso"],
  summary: "Set up the workspace's OpenID provider, default role and enforcement (owners, signed in)",
  description:
    "A new issuer is checked by fetching its discovery document (400 naming `issuer` when that fails) and needs the " +
    "client secret in the same request: a secret never follows its client to another provider. Turning `enforced` on " +
    "needs a complete provider setup and at least one domain, and ends the password sessions of everyone but owners.",
  security: bearerSecurity,
  request: jsonBody(UpdateBody),
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings in force"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireOwnerSession(p);
    const body = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const current = await getSsoConfig(ctx);
    const patch: SsoSettings = { clientId: body.client_id, defaultRole: body.default_role, groupsClaim: body.groups_claim, enforced: body.enforced };
    if (body.issuer !== undefined && body.issuer !== current?.issuer) {
      if (body.client_secret === undefined) throw invalid("client_secret", "send the client secret again with a new issuer");
      try {
        patch.issuer = (await discover(body.issuer, { tuttiEnv: c.env.TUTTI_ENV, now: c.get("clock").now() })).issuer;
      } catch (err) {
        if (err instanceof SsoError) throw invalid("issuer", err.message);
        throw err;
      }
    }
    if (body.client_secret !== undefined)
      patch.clientSecret = await seal(await loadKeyRing(c.env.TUTTI_MASTER_KEY), body.client_secret, clientSecretAad(p.tenantId));
    const after = {
      issuer: patch.issuer ?? current?.issuer,
      clientId: patch.clientId ?? current?.clientId,
      secret: patch.clientSecret ?? current?.clientSecret,
    };
    if (body.enforced) {
      if (!after.issuer || !after.clientId || !after.secret) throw invalid("enforced", "set up the provider (issuer, client id and secret) first");
      const settings = await currentSettings(c);
      if (settings.domains.length === 0) throw invalid("enforced", "add the domain your people sign in with first");
    }
    await saveSsoSettings(ctx, auditSource(c), current, patch);
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });
}
