import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getRetention, saveRetention } from "../../db/repo/platform/retention";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { requireAdmin, requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { defaultRetention, retentionBounds, type RetentionSettings } from "../../retention/settings";
import { bearerSecurity, errors, isoOrNull, jsonBody, jsonResponse, send, timestamp } from "../shared";

const setting = (key: keyof RetentionSettings, description: string) =>
  z
    .number()
    .int()
    .min(retentionBounds[key].min)
    .max(retentionBounds[key].max)
    .openapi({ description: `${description} (default ${defaultRetention[key]}; ${retentionBounds[key].min}–${retentionBounds[key].max})` });

const fields = {
  lineage_event_days: setting("lineageEventDays", "Days raw OpenLineage events are kept"),
  webhook_payload_days: setting("webhookPayloadDays", "Days tool webhook deliveries (payloads) are kept"),
  run_event_days: setting("runEventDays", "Days run transition events are kept; the latest run of each pipeline keeps its events"),
  audit_log_days: setting("auditLogDays", "Days audit entries are kept"),
  dbt_uploads_kept: setting(
    "dbtUploadsKept",
    "dbt uploads kept per project and environment; the latest upload and manifest, and uploads dbt nodes still point at, always stay",
  ),
};

export const RetentionOut = z
  .object({
    ...fields,
    updated_at: timestamp.nullable().openapi({ description: "null: the defaults are in use" }),
  })
  .openapi("RetentionSettings");

const UpdateBody = z
  .strictObject({
    lineage_event_days: fields.lineage_event_days.optional(),
    webhook_payload_days: fields.webhook_payload_days.optional(),
    run_event_days: fields.run_event_days.optional(),
    audit_log_days: fields.audit_log_days.optional(),
    dbt_uploads_kept: fields.dbt_uploads_kept.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateRetentionRequest");

export const retentionOut = (s: RetentionSettings & { updatedAt: number | null }) => ({
  lineage_event_days: s.lineageEventDays,
  webhook_payload_days: s.webhookPayloadDays,
  run_event_days: s.runEventDays,
  audit_log_days: s.auditLogDays,
  dbt_uploads_kept: s.dbtUploadsKept,
  updated_at: isoOrNull(s.updatedAt),
});

export const getRoute = createRoute({
  method: "get",
  path: "/workspace/retention",
  tags: ["workspace"],
  summary: "How long the workspace keeps raw events, webhook payloads, run events, audit entries and dbt uploads",
  security: bearerSecurity,
  responses: { 200: jsonResponse(RetentionOut, "Settings in force"), ...errors(401, 403) },
});

export const updateRoute = createRoute({
  method: "patch",
  path: "/workspace/retention",
  tags: ["workspace"],
  summary: "Change retention (tenant owners and admins)",
  description:
    "Fields left out keep their value. The workspace's next retention pass comes within a minute and removes, in batches, what the new settings no longer keep; what it removed is counted in `GET /workspace/usage`.",
  security: bearerSecurity,
  request: jsonBody(UpdateBody),
  responses: { 200: jsonResponse(RetentionOut, "Settings in force"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(getRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    return send(c, 200, RetentionOut, retentionOut(await getRetention(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")))));
  });
  app.openapi(updateRoute, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const change: Partial<RetentionSettings> = {
      lineageEventDays: body.lineage_event_days,
      webhookPayloadDays: body.webhook_payload_days,
      runEventDays: body.run_event_days,
      auditLogDays: body.audit_log_days,
      dbtUploadsKept: body.dbt_uploads_kept,
    };
    for (const key of Object.keys(change) as Array<keyof RetentionSettings>) if (change[key] === undefined) delete change[key];
    await saveRetention(ctx, auditSource(c), change);
    // Shorter settings apply soon, not at the next daily pass.
    unwrap(await tenantRuns(c.env, p.tenantId).armRetention(p.tenantId, true));
    return send(c, 200, RetentionOut, retentionOut(await getRetention(ctx)));
  });
}
