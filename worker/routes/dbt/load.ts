import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getDbtProject, getDbtUpload } from "../../db/repo/lineage/dbt";
import { notFound } from "../../lib/errors";

export async function loadProject(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const row = await getDbtProject(ctx, id);
  if (!row) throw notFound("dbt project");
  return { p, ctx, project: row.p, teamName: row.teamName };
}

export async function loadUpload(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const upload = await getDbtUpload(ctx, id);
  if (!upload) throw notFound("dbt upload");
  return { p, ctx, upload };
}
