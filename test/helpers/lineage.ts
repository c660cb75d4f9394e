import { env } from "cloudflare:test";
import { api, signup, type Session } from "./api";
import { createToken, firstTeamId } from "./fixtures";
import { tenantD1 } from "./tenant-db";

/** A fresh tenant with a token that can write lineage and metadata and read. */
export async function lineageTenant(): Promise<{ s: Session; teamId: string; token: string }> {
  const s = await signup();
  const teamId = await firstTeamId(s);
  const { token } = await createToken(s, teamId, ["lineage:write", "metadata:write", "read"]);
  return { s, teamId, token };
}

export const postEvent = (token: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  api("/lineage", { as: token, rawBody: body, headers: { "content-type": "application/json", ...headers } });

const lineageTables = [
  "datasets",
  "jobs",
  "job_runs",
  "job_run_datasets",
  "lineage_facets",
  "lineage_edges",
  "column_lineage_edges",
  "lineage_events",
  "quality_results",
  "dbt_projects",
  "dbt_uploads",
  "dbt_nodes",
  "dbt_node_results",
];

/** Rows per lineage table for one tenant, and its objects in R2 (`blobs`): tests use it to prove nothing was stored. */
export async function lineageRowCounts(tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of lineageTables) {
    const row = await (await tenantD1(tenantId)).prepare(`SELECT count(*) AS n FROM ${t} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>();
    out[t] = row!.n;
  }
  out.blobs = (await env.BLOBS.list({ prefix: `t/${tenantId}/` })).objects.length;
  return out;
}
