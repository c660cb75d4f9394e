import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { requireAdmin } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { currentSettings } from "./load";
import { SsoSettingsOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/sso",
  tags: ["sso"],
  summary: "Single sign-on and SCIM settings (owners and admins, signed in)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings; secrets only as whether they are set"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireAdmin(c.get("principal"));
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });
}
