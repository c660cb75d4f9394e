import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getJobRun } from "../../db/repo/lineage/catalog";
import { notFound } from "../../lib/errors";

export async function loadJobRun(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const row = await getJobRun(ctx, id);
  if (!row) throw notFound("job run");
  return { p, ctx, run: row.run, job: row.job };
}
