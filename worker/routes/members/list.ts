import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTenantMembers } from "../../db/repo/accounts/members";
import { requireSignedInUser } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { MemberList, memberOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/members",
  tags: ["members"],
  summary: "List the tenant's members with their teams (signed-in users)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(MemberList, "Members ordered by name"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    // People's e-mail addresses are for colleagues, not for CI credentials.
    requireSignedInUser(p, "listing members");
    const members = await listTenantMembers(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")));
    return send(c, 200, MemberList, { items: members.map(memberOut) });
  });
}
