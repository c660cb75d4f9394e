import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { userAndTenant } from "../../db/repo/accounts/users";
import { addSsoDomain, isSsoDomainOf, removeSsoDomain } from "../../db/repo/sso/config";
import { conflict, invalid, notFound } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { currentSettings } from "./load";
import { Domain, requireOwnerSession, SsoSettingsOut } from "./schemas";

const AddBody = z.strictObject({ domain: Domain }).openapi("AddSsoDomainRequest");

export const addRoute = createRoute({
  method: "post",
  path: "/sso/domains",
  tags: ["sso"],
  summary: "Claim an e-mail domain for single sign-on (owners, signed in)",
  description:
    "The domain is proven by the owner's own account: its address must be at the domain and proven by a link mailed " +
    "only to it (sign-up or password reset; not an invitation, whose link the inviter saw too). Otherwise 400 naming " +
    "`domain`. A domain belongs to one workspace: another workspace's domain answers 409.",
  security: bearerSecurity,
  request: jsonBody(AddBody),
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings with the domain"), ...errors(400, 401, 403, 409, 413, 415) },
});

const DomainParam = z.object({ domain: z.string().max(253) });

export const removeRoute = createRoute({
  method: "delete",
  path: "/sso/domains/{domain}",
  tags: ["sso"],
  summary: "Release a domain (owners, signed in)",
  security: bearerSecurity,
  request: { params: DomainParam },
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings without the domain"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(addRoute, async (c) => {
    const p = c.get("principal");
    requireOwnerSession(p);
    const { domain } = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { user } = await userAndTenant(ctx, p.userId);
    if (!user || user.email.split("@")[1] !== domain) throw invalid("domain", `your own address must be at ${domain} to claim it`);
    if (user.emailVerifiedAt == null) throw invalid("domain", "prove your address first: use “Forgot password” once, so a link mailed only to you confirms it");
    if (!(await addSsoDomain(ctx, auditSource(c), domain, user.email)))
      throw conflict(`${domain} is already claimed`, [{ path: "domain", message: "already claimed" }]);
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });

  app.openapi(removeRoute, async (c) => {
    const p = c.get("principal");
    const { domain } = c.req.valid("param");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    // Another tenant's domain is not found whoever asks; this tenant's is for owners only.
    if (!(await isSsoDomainOf(ctx, domain.toLowerCase()))) throw notFound("domain");
    requireOwnerSession(p);
    if (!(await removeSsoDomain(ctx, auditSource(c), domain.toLowerCase()))) throw notFound("domain");
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });
}
