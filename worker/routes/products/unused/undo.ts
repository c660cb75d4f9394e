import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getProduct } from "../../../db/repo/products/products";
import { keepProduct, undoActions } from "../../../db/repo/products/unused";
import { requireTeamWrite } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { syncScheduler } from "../../pipelines/load";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { UnusedStateOut, unusedStateOut } from "./schemas";

const DAY_MS = 86_400_000;
/** Without a policy (turned off since it acted), an undo keeps the product this long. */
const DEFAULT_KEEP_DAYS = 30;

const UndoOut = UnusedStateOut.extend({
  undone: z.array(z.string()).openapi({ description: "Pipelines whose previous schedule was restored or that were resumed; empty when nothing was in effect" }),
}).openapi("ProductUnusedUndo");

export const route = createRoute({
  method: "post",
  path: "/products/{id}/unused-actions/undo",
  tags: ["products"],
  summary: "Undo what the unused policy did: each pipeline gets its previous schedule back, or is resumed",
  description:
    "Members of the owner team (`metadata:write`) and tenant admins. The policy then leaves the product alone for its after_days. Audited; a repeated undo changes nothing.",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(UndoOut, "What was restored, and the policy's state"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    const source = auditSource(c);
    const undone = await undoActions(ctx, source, product, p.actor.label);
    if (undone.length) {
      await keepProduct(ctx, source, product, source.now + (product.unusedPolicy?.afterDays ?? DEFAULT_KEEP_DAYS) * DAY_MS, "undone");
      for (const pipelineId of new Set(undone.map((a) => a.pipelineId))) await syncScheduler(c, pipelineId);
    }
    const row = (await getProduct(ctx, product.id))!;
    return send(c, 200, UndoOut, { ...(await unusedStateOut(c, ctx, row.p)), undone: undone.map((a) => a.pipelineName) });
  });
}
