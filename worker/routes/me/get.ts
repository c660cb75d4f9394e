import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTeams } from "../../db/repo/accounts/teams";
import { tenants, users } from "../../db/schema";
import { teamRoles, tenantRoles, tokenScopes } from "../../db/schema/enums";
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
    const db = c.get("db");
    const [[user], [tenant], allTeams] = await Promise.all([
      db.select().from(users).where(eq(users.id, p.userId)),
      db.select().from(tenants).where(eq(tenants.id, p.tenantId)),
      listTeams(tenantCtx(db, p.tenantId)),
    ]);
    const visible = p.actor.type === "token" ? allTeams.filter((t) => t.id in p.teams) : allTeams;
    return send(c, 200, MeOut, {
      actor: p.actor,
      user: { id: user.id, email: user.email, name: user.name },
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
      role: p.role,
      teams: visible.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: p.teams[t.id] ?? null })),
      scopes: tokenScopes.filter((s) => hasScope(p, s)),
      csrf_token: c.get("csrfToken") ?? null,
    });
  });
}
