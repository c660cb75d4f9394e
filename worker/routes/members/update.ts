import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updateTenantMemberRole } from "../../db/repo/accounts/members";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadMemberForChange } from "./load";
import { MemberOut, UpdateMemberBody, UserIdParam, memberOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/members/{userId}",
  tags: ["members"],
  summary: "Change a member's tenant role (owners and admins; only owners grant or change owner; the last owner cannot be demoted)",
  security: bearerSecurity,
  request: { params: UserIdParam, ...jsonBody(UpdateMemberBody) },
  responses: { 200: jsonResponse(MemberOut, "The updated member"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { role } = c.req.valid("json");
    const { ctx, member } = await loadMemberForChange(c, c.req.valid("param").userId, role);
    if (role !== member.role) await updateTenantMemberRole(ctx, auditSource(c), member, role);
    return send(c, 200, MemberOut, memberOut({ ...member, role }));
  });
}
