import { sql, type SQL } from "drizzle-orm";

/**
 * SQL that resolves data-product membership, bound to the tenant `t`; `ids` is a JSON array of ids.
 *
 * A dataset belongs to a product when the product names it, when a tag rule matches one of its tags (catalog
 * tags or its dbt node's tags), when a name pattern (GLOB, against `name` or `namespace/name`) matches, when it
 * carries the tag `product:<name>` (the zero-setup link for dbt `tags:`), or when a pipeline of the product wrote
 * it (the pipeline's Tutti task jobs have output edges to it).
 */

/** Tags of datasets in `ds(id)`, from the catalog and from dbt nodes. Columns: dataset_id, tag. */
const taggedCte = (t: string) => sql`
tagged(dataset_id, tag) AS (
  SELECT d.id, t.value FROM ds JOIN datasets d ON d.tenant_id = ${t} AND d.id = ds.id, json_each(d.tags) t
  UNION
  SELECT n.node_id, t.value FROM dbt_nodes n, json_each(n.tags) t WHERE n.tenant_id = ${t} AND n.node_id IN (SELECT id FROM ds)
)`;

/** Products claiming each of the datasets in `ids`, with weights. Columns: product_id, dataset_id, weight. */
export const claimsOfDatasetsSql = (t: string, ids: string): SQL => sql`
WITH ds(id) AS (SELECT DISTINCT value FROM json_each(${ids})),
${taggedCte(t)}
SELECT m.product_id, ds.id, m.weight FROM ds JOIN product_members m ON m.tenant_id = ${t} AND m.kind = 'dataset' AND m.ref = ds.id
UNION ALL
SELECT m.product_id, d.id, m.weight FROM ds JOIN datasets d ON d.tenant_id = ${t} AND d.id = ds.id
  JOIN product_members m ON m.tenant_id = ${t} AND m.kind = 'pattern' AND (d.name GLOB m.ref OR (d.namespace || '/' || d.name) GLOB m.ref)
UNION ALL
SELECT m.product_id, tg.dataset_id, m.weight FROM tagged tg JOIN product_members m ON m.tenant_id = ${t} AND m.kind = 'tag' AND m.ref = tg.tag
UNION ALL
SELECT p.id, tg.dataset_id, 1 FROM tagged tg JOIN products p ON p.tenant_id = ${t} AND p.name = substr(tg.tag, 9) WHERE tg.tag LIKE 'product:%'`;

/**
 * Pipelines of the products in `ids`: declared by the current spec's `products:` or added
 * as members. The member's weight wins over the spec's implicit 1. Columns: product_id, pipeline_id, pipeline_name, weight.
 */
export const pipelinesOfProductsSql = (t: string, ids: string): SQL => sql`
WITH prod(id) AS (SELECT DISTINCT value FROM json_each(${ids})),
declared(product_id, pipeline_id, pipeline_name) AS (
  SELECT p.id, pl.id, pl.name
  FROM pipelines pl
  JOIN pipeline_versions v ON v.tenant_id = pl.tenant_id AND v.id = pl.current_version_id, json_each(v.spec, '$.products') jp
  JOIN products p ON p.tenant_id = ${t} AND p.name = jp.value
  WHERE pl.tenant_id = ${t} AND pl.archived_at IS NULL AND p.id IN (SELECT id FROM prod)
  UNION
  SELECT m.product_id, pl.id, pl.name
  FROM product_members m JOIN pipelines pl ON pl.tenant_id = ${t} AND pl.name = m.ref
  WHERE m.tenant_id = ${t} AND m.kind = 'pipeline' AND m.product_id IN (SELECT id FROM prod)
)
SELECT d.product_id, d.pipeline_id, d.pipeline_name, coalesce(m.weight, 1)
FROM declared d
LEFT JOIN product_members m ON m.tenant_id = ${t} AND m.product_id = d.product_id AND m.kind = 'pipeline' AND m.ref = d.pipeline_name`;

/**
 * Member datasets of the products in `ids`. Columns: product_id, dataset_id, via
 * (dataset | tag | pattern | pipeline).
 */
export const datasetsOfProductsSql = (t: string, ids: string): SQL => sql`
WITH prod(id, name) AS (SELECT p.id, p.name FROM products p WHERE p.tenant_id = ${t} AND p.id IN (SELECT value FROM json_each(${ids}))),
rules(product_id, kind, ref) AS (
  SELECT m.product_id, m.kind, m.ref FROM product_members m WHERE m.tenant_id = ${t} AND m.product_id IN (SELECT id FROM prod)
  UNION ALL
  SELECT id, 'tag', 'product:' || name FROM prod
),
tag_rules(product_id, tag) AS (SELECT product_id, ref FROM rules WHERE kind = 'tag'),
declared(product_id, pipeline_name) AS (
  SELECT p.id, pl.name
  FROM pipelines pl
  JOIN pipeline_versions v ON v.tenant_id = pl.tenant_id AND v.id = pl.current_version_id, json_each(v.spec, '$.products') jp
  JOIN prod p ON p.name = jp.value
  WHERE pl.tenant_id = ${t} AND pl.archived_at IS NULL
  UNION
  SELECT product_id, ref FROM rules WHERE kind = 'pipeline'
)
SELECT r.product_id, d.id, 'dataset' FROM rules r JOIN datasets d ON d.tenant_id = ${t} AND d.id = r.ref WHERE r.kind = 'dataset'
UNION
SELECT r.product_id, d.id, 'pattern' FROM rules r JOIN datasets d ON d.tenant_id = ${t} AND (d.name GLOB r.ref OR (d.namespace || '/' || d.name) GLOB r.ref) WHERE r.kind = 'pattern'
UNION
SELECT tr.product_id, d.id, 'tag' FROM datasets d, json_each(d.tags) t JOIN tag_rules tr ON tr.tag = t.value WHERE d.tenant_id = ${t}
UNION
SELECT tr.product_id, n.node_id, 'tag' FROM dbt_nodes n, json_each(n.tags) t JOIN tag_rules tr ON tr.tag = t.value
  JOIN datasets d ON d.tenant_id = ${t} AND d.id = n.node_id
  WHERE n.tenant_id = ${t}
UNION
SELECT dc.product_id, e.to_node, 'pipeline' FROM declared dc
  JOIN jobs j ON j.tenant_id = ${t} AND j.namespace = 'tutti' AND j.name >= dc.pipeline_name || '.' AND j.name < dc.pipeline_name || '/'
  JOIN lineage_edges e ON e.tenant_id = ${t} AND e.from_node = j.id AND e.kind = 'output'
  JOIN datasets d ON d.tenant_id = ${t} AND d.id = e.to_node`;
