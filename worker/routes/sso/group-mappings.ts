import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTeams } from "../../db/repo/accounts/teams";
import { replaceGroupMappings } from "../../db/repo/sso/config";
import { invalid } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { currentSettings } from "./load";
import { GroupMapping, requireOwnerSession, SsoSettingsOut } from "./schemas";

const ReplaceBody = z.strictObject({ mappings: z.array(GroupMapping).max(200) }).openapi("ReplaceSsoGroupMappingsRequest");

export const route = createRoute({
  method: "put",
  path: "/sso/group-mappings",
  tags: ["sso"],
  summary: "Replace how the provider's groups map to teams and roles (owners, signed in)",
  description:
    "Applied at each SSO sign-in: a mapped team's membership follows the groups; the highest mapped role wins, and " +
    "once any mapping names a role, people in no such group get the default role. Owners keep their role.",
  security: bearerSecurity,
  request: jsonBody(ReplaceBody),
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings with the new mappings"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireOwnerSession(p);
    const { mappings } = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const teamIds = new Set((await listTeams(ctx)).map((t) => t.id));
    mappings.forEach((m, i) => {
      if (m.team_id && !teamIds.has(m.team_id)) throw invalid(`mappings[${i}].team_id`, "no such team");
      if (!m.team_id && !m.tenant_role) throw invalid(`mappings[${i}]`, "name a team_id, a tenant_role or both");
    });
    await replaceGroupMappings(
      ctx,
      auditSource(c),
      mappings.map((m) => ({ groupName: m.group, teamId: m.team_id ?? null, teamRole: m.team_role ?? "member", tenantRole: m.tenant_role ?? null })),
    );
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });
}
