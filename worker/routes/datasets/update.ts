import { createRoute, z } from "@hono/zod-openapi";
import { syncFreshnessWatch } from "../../alerting/freshness";
import type { Router } from "../../context";
import { getDataset, updateDataset, type DatasetPatch } from "../../db/repo/lineage/catalog";
import { getTeam } from "../../db/repo/accounts/teams";
import { ApiError, conflict, invalid } from "../../lib/errors";
import { effectiveDatasetOwner } from "../../lineage/dataset-owner";
import { assertValidPolicy, DEFAULT_MAX_AGE_MS } from "../../lineage/freshness";
import { canActForTeam, isTenantAdmin, requireScope, requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { parseDuration } from "../../lib/time";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { datasetDetail } from "./detail";
import { loadDataset } from "./load";
import { DatasetOut } from "./schemas";

const UpdateDatasetBody = z
  .strictObject({
    description: z.string().trim().max(5000).nullable().optional().openapi({ description: "null: fall back to the documentation facet" }),
    owner_team_id: z.string().max(64).nullable().optional(),
    tags: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
    freshness: z
      .strictObject({
        cron: z.string().max(120).openapi({ example: "0 7 * * 1-5", description: "When the dataset must be fresh (5-part cron)" }),
        timezone: z.string().max(64).default("UTC").openapi({ example: "Europe/London" }),
        max_age: z
          .string()
          .max(32)
          .optional()
          .openapi({ example: "24h", description: "How recent the last successful write must be at each deadline (default 24h)" }),
      })
      .nullable()
      .optional()
      .openapi({ description: "Expected freshness, e.g. updated by 07:00 Europe/London on weekdays; null removes it" }),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateDatasetRequest");

export const route = createRoute({
  method: "patch",
  path: "/datasets/{id}",
  tags: ["catalog"],
  summary: "Set a dataset's owner team, description, tags or expected freshness",
  description:
    "Needs `metadata:write` and membership of the owning team — declared, or inherited from the writing pipeline (tenant admins may change any). Handing a dataset to another team needs the right to act for that team too.",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateDatasetBody) },
  responses: { 200: jsonResponse(DatasetOut, "The updated dataset"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, row, dataset } = await loadDataset(c, c.req.valid("param").id);
    const body = c.req.valid("json");
    requireScope(p, "metadata:write");
    // The owner the page shows, inherited from the writing pipeline's team too: what ingest lets only it change.
    const owner = effectiveDatasetOwner(dataset.ownerTeamId, row.writerTeamId);
    if (owner.teamId) requireTeamWrite(p, owner.teamId, "metadata:write");
    else if (!isTenantAdmin(p) && body.owner_team_id === undefined) {
      throw new ApiError("forbidden", "this dataset has no owner team: claim it by setting owner_team_id to your team");
    }
    const patch: DatasetPatch = {};
    if (body.owner_team_id !== undefined) {
      if (body.owner_team_id !== null) {
        if (!(await getTeam(ctx, body.owner_team_id))) throw invalid("owner_team_id", "no such team");
        if (!canActForTeam(p, body.owner_team_id)) throw new ApiError("forbidden", "you can hand datasets only to teams you belong to");
      }
      patch.ownerTeamId = body.owner_team_id;
    }
    if (body.description !== undefined) patch.description = body.description;
    if (body.tags !== undefined) patch.tags = [...new Set(body.tags)];
    if (body.freshness !== undefined) {
      if (body.freshness === null) patch.freshness = null;
      else {
        try {
          assertValidPolicy(body.freshness);
        } catch (err) {
          throw invalid("freshness.cron", `invalid cron or time zone: ${(err as Error).message}`);
        }
        const maxAgeMs = body.freshness.max_age === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(body.freshness.max_age);
        if (maxAgeMs === undefined || maxAgeMs <= 0) throw invalid("freshness.max_age", "a duration like 90m, 24h or 2d");
        patch.freshness = { cron: body.freshness.cron, timezone: body.freshness.timezone, maxAgeMs };
      }
    }
    if (!(await updateDataset(ctx, auditSource(c), dataset, patch)))
      throw conflict("the dataset's owner team changed while this request was checked; reload it and try again");
    // The expected freshness is checked by a Durable Object timer at each deadline, so a breach is found even if nothing runs.
    if (patch.freshness !== undefined) await syncFreshnessWatch(c.env, ctx, dataset.id, c.get("clock").now());
    const updated = (await getDataset(ctx, dataset.id))!;
    return send(c, 200, DatasetOut, await datasetDetail(ctx, updated, c.get("clock").now()));
  });
}
