import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { countedKinds, listUsage, quotaState } from "../../db/repo/platform/storage-usage";
import { storedKinds } from "../../db/schema/enums";
import { requireScope } from "../../lib/principal";
import { defaultIngestPerMinute } from "../../middleware/tenant-rate-limit";
import { storageQuotasOf } from "../../retention/storage-quota";
import { bearerSecurity, errors, isoOrNull, jsonResponse, send, timestamp } from "../shared";

const Quota = z.object({ limit: z.number().int(), used: z.number().int() });

const UsageOut = z
  .object({
    quotas: z.object({
      storage_bytes: Quota.openapi({ description: "Bytes stored of the kinds that count (as received, before compression)" }),
      objects: Quota.openapi({ description: "Objects stored of the kinds that count" }),
      ingest_requests_per_minute: z.object({ limit: z.number().int() }),
      set_by_operator_at: timestamp.nullable().openapi({ description: "When an operator last changed this workspace's quotas; null: the defaults" }),
    }),
    kinds: z.array(
      z.object({
        kind: z.enum(storedKinds),
        counts_toward_quota: z.boolean(),
        bytes: z.number().int(),
        objects: z.number().int(),
        removed_bytes: z.number().int().openapi({ description: "Removed by retention so far" }),
        removed_objects: z.number().int().openapi({ description: "Removed by retention so far" }),
      }),
    ),
  })
  .openapi("WorkspaceUsage");

export const route = createRoute({
  method: "get",
  path: "/workspace/usage",
  tags: ["workspace"],
  summary: "The workspace's quotas, what it stores against them, and what retention removed, per kind",
  security: bearerSecurity,
  responses: { 200: jsonResponse(UsageOut, "Usage"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const [state, rows] = await Promise.all([quotaState(ctx), listUsage(ctx)]);
    const storage = storageQuotasOf(state.overrides);
    const byKind = new Map(rows.map((r) => [r.kind, r]));
    return send(c, 200, UsageOut, {
      quotas: {
        storage_bytes: { limit: storage.storageBytes, used: state.bytes },
        objects: { limit: storage.objects, used: state.objects },
        ingest_requests_per_minute: { limit: state.overrides.ingestPerMinute ?? defaultIngestPerMinute(c.env) },
        set_by_operator_at: isoOrNull(state.overrides.updatedAt),
      },
      kinds: storedKinds.map((kind) => {
        const r = byKind.get(kind);
        return {
          kind,
          counts_toward_quota: kind in countedKinds,
          bytes: r?.bytes ?? 0,
          objects: r?.objects ?? 0,
          removed_bytes: r?.removedBytes ?? 0,
          removed_objects: r?.removedObjects ?? 0,
        };
      }),
    });
  });
}
