import { createRoute, z } from "@hono/zod-openapi";
import { requestSignup } from "../../accounts/signup";
import type { Router } from "../../context";
import { findTenantBySlug } from "../../db/repo/accounts/users";
import { ApiError, conflict } from "../../lib/errors";
import { afterResponse, appOrigin, requestLog } from "../../lib/request";
import { slugify } from "../../lib/slug";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { limitMailRequests } from "./limits";
import { CheckYourEmail, checkYourEmail, Email, Password } from "./schemas";

const SignupBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(120).openapi({ description: "Your name; an existing account keeps its own" }),
    tenant_name: z.string().trim().min(2).max(120),
    tenant_slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lowercase letters, digits and dashes")
      .optional()
      .openapi({ description: "Defaults to a slug of tenant_name" }),
    team_name: z.string().trim().min(2).max(80).optional().openapi({ description: 'First team; defaults to "Data platform"' }),
  })
  .openapi("SignupRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/signup",
  tags: ["auth"],
  summary: "Sign up: mails a link that creates the workspace (tenant), its first team and, when new, the account",
  description:
    "Answers 202 with the same body whatever the address, before anything that depends on the address is done " +
    "(the mail goes out just after): nothing is created until the link in the mail is used " +
    "(POST /auth/verify). A new address gets the verification link; an address that has an account and was given " +
    "its password gets a link adding the workspace to that account; with another password its owner is told that " +
    "someone tried. Limited per client address and per recipient (429 with Retry-After). See docs/security.md.",
  request: jsonBody(SignupBody),
  responses: { 202: jsonResponse(CheckYourEmail, "A mail is on its way"), ...errors(400, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const tenantSlug = body.tenant_slug ?? slugify(body.tenant_name);
    if (tenantSlug.length < 2)
      throw new ApiError("validation_failed", "tenant_name: needs at least two letters or digits", [
        { path: "tenant_name", message: "needs at least two letters or digits" },
      ]);
    await limitMailRequests(c, "signup", body.email);
    const db = c.get("controlDb");
    // Workspace slugs are public (they are in every URL): saying one is taken tells nothing about any address.
    if (await findTenantBySlug(db, tenantSlug))
      throw conflict(`tenant_slug: "${tenantSlug}" is taken`, [
        { path: body.tenant_slug ? "tenant_slug" : "tenant_name", message: `slug "${tenantSlug}" is taken` },
      ]);
    const teamName = body.team_name ?? "Data platform";
    const request = {
      email: body.email,
      password: body.password,
      name: body.name,
      workspace: { tenantName: body.tenant_name, tenantSlug, teamName, teamSlug: slugify(teamName) || "team" },
    };
    const [origin, now, log] = [appOrigin(c), c.get("clock").now(), requestLog(c)];
    // Everything that depends on the address (is it registered, is the password its own) runs after the answer is
    // sent, so neither the answer nor the time it takes can tell.
    afterResponse(c, "sign-up mail", () => requestSignup(c.env, db, request, origin, now, log));
    return send(c, 202, CheckYourEmail, checkYourEmail(body.email, "use its link to confirm the address and create the workspace."));
  });
}
