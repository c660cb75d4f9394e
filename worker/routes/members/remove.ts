import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { removeTenantMember } from "../../db/repo/accounts/members";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors } from "../shared";
import { loadMemberForChange } from "./load";
import { UserIdParam } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/members/{userId}",
  tags: ["members"],
  summary: "Remove a member from the tenant: ends their sessions and disables the API tokens they created",
  security: bearerSecurity,
  request: { params: UserIdParam },
  responses: { 204: { description: "Removed" }, ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, member } = await loadMemberForChange(c, c.req.valid("param").userId, null);
    await removeTenantMember(ctx, auditSource(c), member);
    return c.body(null, 204);
  });
}
