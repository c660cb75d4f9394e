import tutti from "../../worker/index";
import type { Env } from "../../worker/env";
import { d1Binding, shardNames, tenantShard } from "../../worker/db/shards";
import { columnsOf } from "../../worker/db/tenant-tables";
import { sideOf } from "../../worker/db/sides";
import { cloneTables, copyWithinSql, insertRowsSql, rewriteRow, rowsPerInsert, type CloneTable } from "./clone-sql";

export { TenantLimits, TenantRuns } from "../../worker/index";

/**
 * bench/scale's Worker: Tutti's own Worker, unchanged, plus `/__bench/*` routes that copy one tenant's rows into many
 * new tenants with SQL (999 tenants through the public API would take the benchmark an hour). Never deployed: the
 * routes exist only in this entry point (bench/scale.ts bundles it with Tutti's wrangler.toml).
 */

/**
 * Tables copied with a tenant: its data on its shard (worker/db/sides.ts), not the bookkeeping of its exports and
 * imports. The copies' people, sessions and tokens are not needed: nobody signs in to them.
 */
const notCopied = new Set(["tenant_exports", "tenant_imports"]);
const tables: CloneTable[] = cloneTables().filter((t) => sideOf(t.name) === "shard" && !notCopied.has(t.name));

const json = (data: unknown, status = 200) => new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json" } });

interface Target {
  tenant_id: string;
  prefix: string;
  shard: string;
}

/** The tenant row (and its place on a shard) in the control database. */
async function copyTenantRow(env: Env, source: string, target: Target) {
  const control = env.DB;
  const columns = columnsOf("tenants");
  const params: unknown[] = [];
  const bound = (value: unknown) => {
    params.push(value);
    return `?${params.length}`;
  };
  const suffix = target.prefix.replace(/_$/, "");
  const values = columns.map((c) => {
    if (c === "id") return bound(target.tenant_id);
    if (c === "slug") return `"slug" || '-' || ${bound(suffix)}`;
    if (c === "name") return `"name" || ' ' || ${bound(suffix)}`;
    if (c === "shard") return bound(target.shard);
    return `"${c}"`;
  });
  const where = bound(source);
  await control
    .prepare(`INSERT INTO tenants (${columns.map((c) => `"${c}"`).join(", ")}) SELECT ${values.join(", ")} FROM tenants WHERE id = ${where}`)
    .bind(...params)
    .run();
}

/** Copies within the shard that already holds `source`'s rows: one INSERT … SELECT per table, one batch. */
async function cloneWithin(env: Env, source: string, target: Target): Promise<number> {
  const db = d1Binding(env, target.shard);
  const results = await db.batch(tables.map((t) => db.prepare(copyWithinSql(t)).bind(source, target.tenant_id, target.prefix)));
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/** Copies from one shard to another: rows read, rewritten, and inserted in statements of at most 100 values. */
async function cloneAcross(env: Env, source: string, fromShard: string, target: Target): Promise<number> {
  const from = d1Binding(env, fromShard);
  const to = d1Binding(env, target.shard);
  let rows = 0;
  for (const table of tables) {
    const found = (await from.prepare(`SELECT * FROM "${table.name}" WHERE tenant_id = ?`).bind(source).all<Record<string, unknown>>()).results;
    const per = rowsPerInsert(table);
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < found.length; i += per) {
      const chunk = found.slice(i, i + per);
      statements.push(to.prepare(insertRowsSql(table, chunk.length)).bind(...chunk.flatMap((row) => rewriteRow(table, row, target.tenant_id, target.prefix))));
    }
    for (let i = 0; i < statements.length; i += 200) await to.batch(statements.slice(i, i + 200));
    rows += found.length;
  }
  return rows;
}

async function benchRoute(request: Request, env: Env, path: string): Promise<Response> {
  if (path === "/__bench/shards") return json({ shards: shardNames(env) });
  if (path === "/__bench/tenant-shard") return json({ shard: await tenantShard(env, new URL(request.url).searchParams.get("tenant") ?? "") });
  if (path === "/__bench/clone" && request.method === "POST") {
    const body = (await request.json()) as { source: string; source_shard: string; targets: Target[] };
    let rows = 0;
    for (const target of body.targets) {
      await copyTenantRow(env, body.source, target);
      rows += target.shard === body.source_shard ? await cloneWithin(env, body.source, target) : await cloneAcross(env, body.source, body.source_shard, target);
    }
    return json({ tenants: body.targets.length, rows });
  }
  if (path === "/__bench/rows" && request.method === "GET") {
    // Rows per database, to print what the benchmark measured among.
    const out: Record<string, number> = {};
    for (const shard of shardNames(env)) {
      const db = d1Binding(env, shard);
      const counts = await db.batch(tables.map((t) => db.prepare(`SELECT count(*) AS n FROM "${t.name}"`)));
      out[shard] = counts.reduce((n, r) => n + Number((r.results[0] as { n: number }).n), 0);
    }
    const tenants = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>();
    return json({ rows: out, tenants: tenants?.n ?? 0 });
  }
  return json({ error: "no such bench route" }, 404);
}

export default {
  ...tutti,
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/__bench/")) {
      try {
        return await benchRoute(request, env, path);
      } catch (err) {
        return json({ error: String(err) }, 500);
      }
    }
    return tutti.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
