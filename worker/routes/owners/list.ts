import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { datasetOwnership, datasetPage, pipelineFacts } from "../../db/repo/pipelines/ownership";
import { decodeCursor, encodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { productOwners, teamMap } from "./resolve";
import { OwnedList, ownedTypes } from "./schemas";

const Query = z.object({
  type: z.enum(ownedTypes).default("pipeline"),
  q: z.string().trim().max(100).optional().openapi({ description: "Case-insensitive part of the name" }),
  team_id: z.string().max(64).optional().openapi({ description: "Only things this team owns" }),
  ...pageQuery,
});
const Cursor = z.object({ name: z.string(), id: z.string() });
const MAX_SCAN = 20;

export const route = createRoute({
  method: "get",
  path: "/owners",
  tags: ["ownership"],
  summary: "Pipelines, datasets or data products with their owner team and where the ownership comes from",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(OwnedList, "Owned things by name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const teams = await teamMap(ctx);
    const after = decodeCursor(q.cursor, Cursor);
    const needle = q.q?.toLowerCase();
    const team = (id: string | null) => (id ? (teams.get(id) ?? null) : null);
    let items: Array<{
      type: (typeof ownedTypes)[number];
      id: string;
      name: string;
      owner_team: ReturnType<typeof team>;
      owner_source: "declared" | "pipeline_team" | "writer" | "declaring_pipeline" | null;
    }>;
    let nextCursor: string | null;
    if (q.type === "dataset") {
      // Team filtering needs the effective owner, so datasets are read a page at a time until the page is full
      // (at most MAX_SCAN pages per request; the cursor continues from where the scan stopped).
      items = [];
      let cursor = after;
      let more = true;
      for (let scanned = 0; items.length <= q.limit && more && scanned < MAX_SCAN; scanned++) {
        const ids = await datasetPage(ctx, { q: needle, after: cursor, limit: q.limit });
        more = ids.length > q.limit;
        const owners = await datasetOwnership(ctx, ids.slice(0, q.limit));
        for (const id of ids.slice(0, q.limit)) {
          const d = owners.get(id)!;
          cursor = { name: d.name, id: d.id };
          if (!q.team_id || d.ownerTeamId === q.team_id)
            items.push({ type: "dataset", id: d.id, name: d.name, owner_team: team(d.ownerTeamId), owner_source: d.ownerSource });
        }
      }
      const result = page(items, q.limit, (r) => ({ name: r.name, id: r.id }));
      items = result.items;
      nextCursor = result.next_cursor ?? (more && cursor ? encodeCursor(cursor) : null);
    } else {
      const facts = await pipelineFacts(ctx);
      const all =
        q.type === "pipeline"
          ? facts.map((f) => ({ type: "pipeline" as const, id: f.id, name: f.name, ownerTeamId: f.teamId, source: "pipeline_team" as const }))
          : (await productOwners(ctx, facts)).map((pr) => ({
              type: "product" as const,
              id: pr.name,
              name: pr.name,
              ownerTeamId: pr.ownerTeamId,
              source: pr.source,
            }));
      const filtered = all
        .filter((x) => (!needle || x.name.toLowerCase().includes(needle)) && (!q.team_id || x.ownerTeamId === q.team_id))
        .filter((x) => !after || x.name > after.name || (x.name === after.name && x.id > after.id))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
        .slice(0, q.limit + 1)
        .map((x) => ({ type: x.type, id: x.id, name: x.name, owner_team: team(x.ownerTeamId), owner_source: x.source }));
      const result = page(filtered, q.limit, (r) => ({ name: r.name, id: r.id }));
      items = result.items;
      nextCursor = result.next_cursor;
    }
    return send(c, 200, OwnedList, { items, next_cursor: nextCursor });
  });
}
