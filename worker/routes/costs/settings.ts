import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getCostSettings, hasCostRecords, saveCostSettings } from "../../db/repo/costs/settings";
import { isCurrency } from "../../costs/currency";
import type { CostSettings } from "../../costs/settings";
import { conflict, invalid } from "../../lib/errors";
import { requireAdmin, requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, isoOrNull, jsonBody, jsonResponse, send, timestamp } from "../shared";

const Price = z.number().min(0).max(1_000_000);

const CostSettingsOut = z
  .object({
    currency: z.string().openapi({ example: "USD" }),
    bigquery_per_tib: z.number().openapi({ description: "BigQuery on-demand price per TiB billed" }),
    snowflake_per_credit: z.number(),
    databricks_per_dbu: z.number(),
    fivetran_per_million_mar: z.number(),
    airbyte_per_million_rows: z.number(),
    updated_at: timestamp.nullable().openapi({ description: "null: the defaults (public list prices) are in use" }),
  })
  .openapi("CostSettings");

const UpdateBody = z
  .strictObject({
    currency: z.string().optional().openapi({ description: "ISO 4217; only while the ledger is empty (Tutti never converts)" }),
    bigquery_per_tib: Price.optional(),
    snowflake_per_credit: Price.optional(),
    databricks_per_dbu: Price.optional(),
    fivetran_per_million_mar: Price.optional(),
    airbyte_per_million_rows: Price.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateCostSettingsRequest");

const out = (s: CostSettings & { updatedAt: number | null }) => ({
  currency: s.currency,
  bigquery_per_tib: s.bigqueryPerTib,
  snowflake_per_credit: s.snowflakePerCredit,
  databricks_per_dbu: s.databricksPerDbu,
  fivetran_per_million_mar: s.fivetranPerMillionMar,
  airbyte_per_million_rows: s.airbytePerMillionRows,
  updated_at: isoOrNull(s.updatedAt),
});

export const getRoute = createRoute({
  method: "get",
  path: "/cost-settings",
  tags: ["costs"],
  summary: "The tenant's cost currency and the prices applied to usage-based sources",
  security: bearerSecurity,
  responses: { 200: jsonResponse(CostSettingsOut, "Settings"), ...errors(401, 403) },
});

export const updateRoute = createRoute({
  method: "patch",
  path: "/cost-settings",
  tags: ["costs"],
  summary: "Change the currency (while no cost is recorded) or prices (tenant owners and admins)",
  description: "New prices apply to costs recorded from now on; recorded amounts are not repriced.",
  security: bearerSecurity,
  request: jsonBody(UpdateBody),
  responses: { 200: jsonResponse(CostSettingsOut, "Settings"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(getRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    return send(c, 200, CostSettingsOut, out(await getCostSettings(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")))));
  });
  app.openapi(updateRoute, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const current = await getCostSettings(ctx);
    if (body.currency !== undefined && body.currency !== current.currency) {
      if (!/^[A-Z]{3}$/.test(body.currency) || !isCurrency(body.currency)) throw invalid("currency", `"${body.currency}" is not an ISO 4217 currency code`);
      if (await hasCostRecords(ctx))
        throw conflict("the currency can change only while no cost is recorded: amounts would silently change meaning", [
          { path: "currency", message: "cost records exist" },
        ]);
    }
    const next: CostSettings = {
      currency: body.currency ?? current.currency,
      bigqueryPerTib: body.bigquery_per_tib ?? current.bigqueryPerTib,
      snowflakePerCredit: body.snowflake_per_credit ?? current.snowflakePerCredit,
      databricksPerDbu: body.databricks_per_dbu ?? current.databricksPerDbu,
      fivetranPerMillionMar: body.fivetran_per_million_mar ?? current.fivetranPerMillionMar,
      airbytePerMillionRows: body.airbyte_per_million_rows ?? current.airbytePerMillionRows,
    };
    await saveCostSettings(ctx, auditSource(c), next, Object.keys(body));
    return send(c, 200, CostSettingsOut, out(await getCostSettings(ctx)));
  });
}
