import type { TenantCtx } from "../db/client";
import { downstreamOf, pipelineOfJob, type LineageNode, type PipelineFacts } from "../db/repo/pipelines/ownership";
import { productCatalog, type CatalogProduct } from "./products";

/**
 * Which data products a failure makes stale, who owns them and why, in one sentence each:
 * "finance_revenue will miss its 08:00 SLA because ingest_crm's task load failed".
 *
 * A product is affected when it is declared (`products:`) by the failing pipeline or by any pipeline downstream of
 * it, where downstream means triggered after it (`triggers: [{after}]`, transitively) or reading what its tasks wrote
 * (lineage edges from its "tutti" task jobs); when the products catalog lists one of those pipelines as a member; and
 * when one of its member datasets is downstream in the lineage graph.
 */

export interface ProductImpact {
  product: string;
  ownerTeamId: string | null;
  statement: string;
}

export interface ImpactResult {
  impacts: ProductImpact[];
  /** Names of pipelines downstream (trigger or lineage), for the alert details. */
  downstreamPipelines: string[];
  /** Datasets downstream, with their tags (rules filter on tags). */
  downstreamDatasets: LineageNode[];
}

/** Pipelines reachable from `start` through `after:` triggers, nearest first, `start` excluded. */
export function triggerClosure(start: string[], all: PipelineFacts[]): string[] {
  const after = new Map<string, string[]>();
  for (const p of all) for (const t of p.triggers) after.set(t.after, [...(after.get(t.after) ?? []), p.name]);
  const seen = new Set(start);
  const order: string[] = [];
  const queue = [...start];
  while (queue.length) {
    for (const next of after.get(queue.shift()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      order.push(next);
      queue.push(next);
    }
  }
  return order;
}

/**
 * `future`: the failure is upstream of the product, which will be late ("will miss its 08:00 SLA because …").
 * `now`: the deadline has already passed (SLA missed, dataset stale), so the product is late already.
 */
export type ImpactTense = "future" | "now";

function statement(product: string, sla: string | null, cause: string, tense: ImpactTense): string {
  if (tense === "now") return `${product} is stale because ${cause}`;
  return sla ? `${product} will miss its ${sla} SLA because ${cause}` : `${product} will be stale because ${cause}`;
}

const pipelineSla = (p: PipelineFacts | undefined) => (p?.sla ? (p.sla.timezone === "UTC" ? p.sla.finish_by : `${p.sla.finish_by} ${p.sla.timezone}`) : null);

/**
 * Impact of a failing pipeline (`from.pipelineName`) or stale dataset (`from.datasetId`). `all` is every live
 * pipeline (pipelineFacts), `cause` completes the sentence.
 */
export async function impactOf(
  ctx: TenantCtx,
  from: { pipelineName: string } | { datasetId: string },
  all: PipelineFacts[],
  cause: string,
  tense: ImpactTense = "future",
  catalog = productCatalog,
): Promise<ImpactResult> {
  const byName = new Map(all.map((p) => [p.name, p]));
  const lineage = await downstreamOf(ctx, "pipelineName" in from ? { pipelineNames: [from.pipelineName] } : { datasetIds: [from.datasetId] });
  const viaLineage = [...new Set(lineage.map(pipelineOfJob).filter((n): n is string => n !== null && byName.has(n)))];
  const start = "pipelineName" in from ? [from.pipelineName] : [];
  const downstream = triggerClosure([...start, ...viaLineage], all);
  const downstreamPipelines = [...new Set([...viaLineage, ...downstream])].filter((n) => !start.includes(n));

  // Product → the pipeline that declares it nearest to the failure (the failing pipeline first).
  const chain = [...start, ...downstreamPipelines];
  const declaredBy = new Map<string, PipelineFacts>();
  for (const name of chain) {
    const p = byName.get(name);
    for (const product of p?.products ?? []) if (!declaredBy.has(product)) declaredBy.set(product, p!);
  }
  const datasets = lineage.filter((n) => n.type === "dataset");
  const [found, containing, members] = await Promise.all([
    catalog.find(ctx, [...declaredBy.keys()]),
    catalog.containingDatasets(ctx, "datasetId" in from ? [from.datasetId, ...datasets.map((d) => d.id)] : datasets.map((d) => d.id)),
    catalog.ofPipelines(ctx, chain),
  ]);

  const known = new Map(found.map((p) => [p.name, p]));
  const impacts = new Map<string, ProductImpact>();
  for (const [product, pipeline] of declaredBy) {
    const entry: CatalogProduct | undefined = known.get(product);
    impacts.set(product, {
      product,
      ownerTeamId: entry ? entry.ownerTeamId : pipeline.teamId,
      statement: statement(product, entry?.sla ?? pipelineSla(pipeline), cause, tense),
    });
  }
  // Products that list a pipeline of the chain as a member, nearest pipeline first; then those claiming a dataset.
  const memberOrder = [...members].sort((a, b) => chain.indexOf(a.pipeline) - chain.indexOf(b.pipeline));
  for (const p of [...memberOrder, ...containing]) {
    if (impacts.has(p.name)) continue;
    const declaring = "pipeline" in p ? byName.get(p.pipeline as string) : undefined;
    impacts.set(p.name, { product: p.name, ownerTeamId: p.ownerTeamId, statement: statement(p.name, p.sla ?? pipelineSla(declaring), cause, tense) });
  }
  return { impacts: [...impacts.values()].sort((a, b) => a.product.localeCompare(b.product)), downstreamPipelines, downstreamDatasets: datasets };
}
