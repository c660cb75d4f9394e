import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTeams } from "../../db/repo/accounts/teams";
import { userAndTenant } from "../../db/repo/accounts/users";
import { teamRoles, tenantRoles, tokenScopes } from "../../db/schema/enums";
import { ApiError } from "../../lib/errors";
import { hasScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const MeOut = z
  .object({
    actor: z.object({ type: z.enum(["user", "token"]), id: z.string(), label: z.string() }),
    user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
    tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    role: z.enum(tenantRoles),
    teams: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(teamRoles).nullable() })),
    scopes: z.array(z.enum(tokenScopes)),
    csrf_token: z.string().nullable(),
    mfa_setup_required: z
      .boolean()
      .openapi({ description: "The workspace requires a second factor and you have none: set one up (/me/mfa) before anything else answers" }),
  })
  .openapi("Me");

export const route = createRoute({
  method: "get",
  path: "/me",
  tags: ["auth"],
  summary: "Who am I: user, tenant, role, teams and scopes of the current credential",
  security: bearerSecurity,
  responses: { 200: jsonResponse(MeOut, "The current principal"), ...errors(401) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const [{ user, tenant }, allTeams] = await Promise.all([
      userAndTenant(tenantCtx(c.get("controlDb"), p.tenantId), p.userId),
      listTeams(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"))),
    ]);
    // The principal was resolved from this user and tenant a moment ago; only a deletion racing this request lands here.
    if (!user || !tenant) throw new ApiError("unauthorized", "the credential's user or tenant no longer exists");
    const visible = p.actor.type === "token" ? allTeams.filter((t) => t.id in p.teams) : allTeams;
    return send(c, 200, MeOut, {
      actor: p.actor,
      user: { id: user.id, email: user.email, name: user.name },
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
      role: p.role,
      teams: visible.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: p.teams[t.id] ?? null })),
      scopes: tokenScopes.filter((s) => hasScope(p, s)),
      csrf_token: c.get("csrfToken") ?? null,
      mfa_setup_required: c.get("mfaSetUpRequired") ?? false,
    });
  });
}
