import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { createRouter, type AppEnv } from "./context";
import { ApiError, notJson } from "./lib/errors";
import { requireAuth } from "./middleware/auth";
import { bodyLimit } from "./middleware/body-limit";
import { idempotency } from "./middleware/idempotency";
import { requestContext } from "./middleware/request-id";
import { securityHeaders } from "./middleware/security-headers";
import { tenantRateLimit } from "./middleware/tenant-rate-limit";
import { apiRouters } from "./routes";
import { authRoutes } from "./routes/auth";
import { serveDashboard } from "./routes/dashboard";
import { devRoutes } from "./routes/dev";
import { invitationPublicRoutes } from "./routes/invitations";
import { pipelinePublicRoutes } from "./routes/pipelines";
import { scimRoutes } from "./routes/scim";
import { statusPublicRoutes } from "./routes/status";
import { systemRoutes } from "./routes/system";
import { webhookRoutes } from "./routes/webhooks";
import { errorFields } from "./lib/log";
import { requestLog } from "./lib/request";

function errorResponse(c: Context<AppEnv>, err: ApiError) {
  return c.json({ error: { code: err.code, message: err.message, details: err.details, request_id: c.get("requestId") ?? "" } }, err.status, err.headers);
}

/** The one error mapper: known errors keep their code, framework errors are translated, the rest is `internal`. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ApiError("payload_too_large", "request body is too large");
    if (err.status === 415) return notJson();
    if (err.status === 400 && /JSON/i.test(err.message)) {
      return new ApiError("validation_failed", "body: malformed JSON", [{ path: "body", message: "malformed JSON" }]);
    }
    if (err.status === 401) return new ApiError("unauthorized", err.message || "unauthorized");
    if (err.status < 500) return new ApiError("validation_failed", err.message || "bad request");
  }
  return new ApiError("internal", "internal error; quote the request_id when reporting it");
}

/** The API document's top level; the paths and schemas come from the routes' own zod definitions. */
const openApiConfig = {
  openapi: "3.1.0",
  info: { title: "Tutti API", version: "1.0.0", description: "Control plane for data tools: pipelines, runs, lineage, cost and ownership." },
  servers: [{ url: "/api/v1" }],
};

/** Everything under /api/v1: public routes, then the authenticated ones; serves its own OpenAPI document. */
function buildApi() {
  const api = createRouter();
  api.use("*", bodyLimit);
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "Team API token `tt_…` created under Settings → API tokens",
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "tutti_session",
    description: "Dashboard session; writes also need the X-CSRF-Token header",
  });
  api.doc31("/openapi.json", openApiConfig);
  // Public routes are mounted before the auth middleware so it never runs for them.
  api.route("/", systemRoutes);
  api.route("/", authRoutes);
  api.route("/", invitationPublicRoutes);
  api.route("/", pipelinePublicRoutes);
  api.route("/", statusPublicRoutes);
  api.route("/", devRoutes);

  const secured = createRouter();
  // Rate limits before idempotency: a refused request neither stores nor replays a response.
  secured.use("*", requireAuth, tenantRateLimit, idempotency);
  for (const router of apiRouters) secured.route("/", router);
  api.route("/", secured);
  return api;
}

/**
 * The document /api/v1/openapi.json serves, built without a request (no bindings needed): `npm run api:generate`
 * writes it to api/openapi.json, from which the dashboard's and the CLI's types are generated.
 */
export function openApiDocument() {
  return buildApi().getOpenAPI31Document(openApiConfig);
}

export function buildApp() {
  const app = createRouter();
  app.use("*", requestContext, securityHeaders);

  const api = buildApi();
  app.route("/api/v1", api);
  app.use("/webhooks/*", bodyLimit);
  app.route("/webhooks", webhookRoutes);
  app.route("/scim/v2", scimRoutes);
  app.all("/api/*", () => {
    throw new ApiError("not_found", "no such API route");
  });
  app.all("/webhooks/*", () => {
    throw new ApiError("not_found", "no such webhook receiver");
  });
  app.get("*", serveDashboard);

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.code === "internal") {
      // Message and stack only: request bodies may hold secrets and are never logged.
      requestLog(c).error("request failed", errorFields(err));
    }
    return errorResponse(c, apiError);
  });
  app.notFound((c) => errorResponse(c, new ApiError("not_found", "not found")));
  return app;
}
