import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listCollectorOverview, saveCollector } from "../../db/repo/costs/collectors";
import { getConnection } from "../../db/repo/connections/connections";
import { collectorKinds, type CollectorKind } from "../../db/schema";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { ApiError, notFound, type ErrorDetail } from "../../lib/errors";
import { canSeeTeamResources, requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { livePasses } from "./passes";
import { CollectorOut, CollectorSettingsIn, collectorOut, settingsIn, UpdateCollectorBody } from "./schemas";

/** The first pass after enabling comes this soon (the next alarm after it), not inside the request. */
export const FIRST_PASS_MS = 60_000;

const Params = z.object({ connection_id: z.string().min(1).max(64) });

const onlyFor: Record<string, CollectorKind[]> = {
  warehouse: ["snowflake"],
  role: ["snowflake"],
  collect_usage: ["snowflake", "bigquery"],
  dataset_namespace: ["snowflake", "bigquery"],
  warehouse_id: ["databricks"],
  pricing_model: ["bigquery"],
  slot_hour_price: ["bigquery"],
  billing_export_table: ["bigquery"],
  product_label: ["bigquery"],
  tag_key: ["aws"],
  cost_metric: ["aws"],
  product_map: ["looker", "powerbi"],
  warehouse_connection: ["fivetran"],
  schema: ["fivetran"],
};

/** Warehouses a Fivetran collector can read the Platform Connector's tables through (worker/costs/collectors/fivetran.ts). */
const marWarehouseKinds = ["snowflake"];

export const route = createRoute({
  method: "put",
  path: "/collectors/{connection_id}",
  tags: ["costs"],
  summary: "Enable, configure or disable a connection's cost collector (tenant admins)",
  description:
    "Collectors read the vendor's usage views with the connection's credentials on a schedule and write the ledger (and, for Snowflake and BigQuery, product usage). The first pass runs about a minute after enabling; watermarks are kept when a collector is disabled and enabled again.",
  security: bearerSecurity,
  request: { params: Params, ...jsonBody(UpdateCollectorBody) },
  responses: { 200: jsonResponse(CollectorOut, "The collector"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { connection_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const connection = await getConnection(ctx, connection_id);
    // Another tenant's (or a hidden team's) connection is not found; a visible one needs an admin.
    if (!connection || !canSeeTeamResources(p, connection.teamId)) throw notFound("connection");
    requireAdmin(p);
    if (!(collectorKinds as readonly string[]).includes(connection.kind))
      throw new ApiError("validation_failed", `${connection.kind} connections have no cost collector`, [
        { path: "connection_id", message: `collectors exist for ${collectorKinds.join(", ")} connections` },
      ]);
    const kind = connection.kind as CollectorKind;
    const settings = body.settings ?? CollectorSettingsIn.parse({});
    const problems: ErrorDetail[] = [];
    for (const [key, value] of Object.entries(settings))
      if (value !== undefined && onlyFor[key] && !onlyFor[key].includes(kind))
        problems.push({ path: `settings.${key}`, message: `applies to ${onlyFor[key].join(" and ")} collectors only` });
    if (kind === "databricks" && body.enabled && !settings.warehouse_id)
      problems.push({ path: "settings.warehouse_id", message: "a Databricks collector needs the SQL warehouse that runs its queries" });
    if (kind === "aws" && body.enabled && !settings.tag_key)
      problems.push({ path: "settings.tag_key", message: "an AWS collector needs the cost-allocation tag whose value names the product" });
    if (kind === "bigquery" && settings.pricing_model === "editions" && settings.slot_hour_price === undefined)
      problems.push({ path: "settings.slot_hour_price", message: "editions pricing needs the price of a slot-hour" });
    if (kind === "fivetran" && body.enabled && !settings.warehouse_connection)
      problems.push({ path: "settings.warehouse_connection", message: "a Fivetran collector reads MAR through a Snowflake connection of the same team" });
    if (kind === "fivetran" && settings.warehouse_connection) {
      // Another team's (or tenant's) connection is never read through: its credentials are that team's.
      const warehouse = await getConnection(ctx, settings.warehouse_connection);
      if (!warehouse || warehouse.teamId !== connection.teamId || !marWarehouseKinds.includes(warehouse.kind))
        problems.push({ path: "settings.warehouse_connection", message: "no Snowflake connection of the Fivetran connection's team has this id" });
    }
    if (problems.length) throw new ApiError("validation_failed", `${problems[0].path}: ${problems[0].message}`, problems);

    // The engine's clock decides when the pass is due. A timer armed before the row is saved finds the collector
    // disabled (or not yet enabled) and removes itself.
    const nextRunAt = unwrap(await tenantRuns(c.env, p.tenantId).armCollector(p.tenantId, connection.id, body.enabled ? FIRST_PASS_MS : null));
    await saveCollector(ctx, auditSource(c), {
      connectionId: connection.id,
      teamId: connection.teamId,
      kind,
      enabled: body.enabled,
      settings: settingsIn(settings),
      nextRunAt,
    });
    const [overview] = (await listCollectorOverview(ctx, collectorKinds)).filter((o) => o.connection_id === connection.id);
    return send(c, 200, CollectorOut, collectorOut(overview, (await livePasses(c.env, p.tenantId)).get(connection.id) ?? null));
  });
}
