import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../context";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { validationError, ApiError } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";
import { verifyCallback } from "../../lib/callback-token";
import { HttpUrl } from "../../lib/urls";

const CallbackBody = z.strictObject({
  status: z.enum(["succeeded", "failed", "running"]),
  message: z.string().max(2000).optional(),
  no_new_data: z.boolean().optional(),
  external_id: z.string().max(200).optional(),
  // Shown as a link on the run page: http(s) only.
  external_url: HttpUrl.max(2000).optional(),
});

/**
 * `POST /webhooks/callback/<token>`: completion callback for `http` tasks using `completion: callback`.
 * The token in the URL is an HMAC Tutti issued for one task attempt; the same body twice is applied once.
 */
export const callbackRoutes = new Hono<AppEnv>().post("/callback/:token", async (c) => {
  const target = await verifyCallback(c.env.TUTTI_MASTER_KEY, c.req.param("token"));
  if (!target) throw new ApiError("unauthorized", "unknown or forged callback URL");
  const raw = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError("validation_failed", "body: malformed JSON", [{ path: "body", message: "malformed JSON" }]);
  }
  const result = CallbackBody.safeParse(parsed);
  if (!result.success) throw validationError(result.error.issues);
  const body = result.data;
  const handle = { externalId: body.external_id, externalUrl: body.external_url };
  const outcome =
    body.status === "succeeded"
      ? { status: "succeeded" as const, noNewData: body.no_new_data, ...handle }
      : body.status === "failed"
        ? { status: "failed" as const, error: { kind: "tool_failure" as const, message: body.message ?? "the tool reported failure" }, ...handle }
        : { status: "running" as const, ...handle };
  const report = {
    tenantId: target.tenantId,
    eventId: `callback:${target.runId}:${target.taskKey}:${target.attempt}:${await sha256Hex(raw)}`,
    runId: target.runId,
    taskKey: target.taskKey,
    attempt: target.attempt,
    outcome,
    source: "webhook" as const,
  };
  unwrap(await tenantRuns(c.env, target.tenantId).reportOutcome(report));
  return c.json({ ok: true }, 202);
});
