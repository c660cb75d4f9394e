import { z } from "@hono/zod-openapi";
import type { TenantCtx } from "../../db/client";
import { nodeExists } from "../../db/repo/lineage/graph";
import { notFound } from "../../lib/errors";

export const NodeId = z.string().min(1).max(64).openapi({ description: "A dataset (`ds_…`) or job (`job_…`) id", example: "ds_4k2m9q0x1n5b6v7c8z3a" });

/** 404 unless the id is a dataset or job of the caller's tenant (another tenant's id looks like no id at all). */
export async function requireNode(ctx: TenantCtx, id: string): Promise<void> {
  if (!(await nodeExists(ctx, id))) throw notFound("lineage node");
}
