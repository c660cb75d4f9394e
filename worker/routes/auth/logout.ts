import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie } from "hono/cookie";
import type { Router } from "../../context";
import { deleteSession } from "../../db/repo/accounts/users";
import { SESSION_COOKIE } from "../../lib/session-cookie";
import { jsonResponse, send } from "../shared";

const LogoutOut = z.object({ ok: z.literal(true) }).openapi("LoggedOut");

export const route = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "End the current session",
  responses: { 200: jsonResponse(LogoutOut, "Signed out (also when there was no session)") },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const raw = getCookie(c, SESSION_COOKIE);
    if (raw) await deleteSession(c.get("controlDb"), raw);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return send(c, 200, LogoutOut, { ok: true });
  });
}
