import { createRoute, z } from "@hono/zod-openapi";
import { watchedFetch } from "../../connectors/redact";
import type { Router } from "../../context";
import { findSealedConnection, openConnectionSecrets } from "../../db/repo/connections/secrets";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError, notFound } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadConnection } from "./load";

const TestResult = z
  .object({
    ok: z.boolean(),
    message: z.string().openapi({ description: "What the tool answered; on failure its error (never a secret value)" }),
  })
  .openapi("ConnectionTestResult");

export const route = createRoute({
  method: "post",
  path: "/connections/{id}/test",
  tags: ["connections"],
  summary: "Test a connection: one cheap authenticated call to the tool",
  description:
    "Sends the connection's stored secrets to its tool, so it needs the rights that change the connection: a signed-in member of the owning team or a tenant admin; API tokens and viewers get 403. " +
    "Answers 200 whether or not the tool accepted the credentials; `ok` and `message` say how it went.",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(TestResult, "The tool's answer"), ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, connection, kind } = await loadConnection(c, c.req.valid("param").id);
    // An outbound request carrying the stored credentials, on demand, with the tool's answer returned: the same
    // right as changing the connection (docs/security.md), not a read.
    requireTeamSecretsWrite(p, connection.teamId, "testing connections");
    const connector = kind?.connector;
    if (!connector) throw new ApiError("conflict", `connections of kind "${connection.kind}" cannot be tested`);
    const sealed = await findSealedConnection(ctx, connection.id);
    if (!sealed) throw notFound("connection");
    const config = connector.configSchema.safeParse(connection.config);
    if (!config.success)
      return send(c, 200, TestResult, { ok: false, message: `the connection's config no longer matches the ${connection.kind} schema; update it` });
    const secrets = await openConnectionSecrets(await loadKeyRing(c.env.TUTTI_MASTER_KEY), sealed);
    const watched = watchedFetch((input, init) => fetch(input, init), secrets);
    const result = await connector.test({ config: config.data, secrets, fetch: watched.fetch });
    // The tool's answer is shown to anyone who may test: bounded, and without the credentials it was sent.
    return send(c, 200, TestResult, { ok: result.ok, message: result.message ? watched.redactor.clean(result.message) : "the tool accepted the credentials" });
  });
}
