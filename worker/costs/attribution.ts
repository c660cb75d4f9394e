import { splitMicros } from "./money";

/**
 * Which data products a cost belongs to, decided without I/O. The chain is
 *   query / job → task run → pipeline run → datasets written → data products,
 * and the repository gathers each link (worker/db/repo/costs/attribution.ts); this module only weighs them.
 *
 * 1. An explicit split sent with the record wins.
 * 2. Otherwise the cost is spread evenly over the datasets it produced; each dataset's share goes to the
 *    products that claim the dataset, in proportion to their membership weights. A dataset no product claims
 *    hands its share to the pipeline's products.
 * 3. With no datasets known, the pipeline's products (declared in its spec or by membership) share it by weight.
 * 4. What is left belongs to no product (product id null): it still counts for the team and the pipeline.
 */

export interface WeightedProduct {
  productId: string;
  weight: number;
}

export interface AttributionContext {
  explicit: WeightedProduct[] | null;
  /** Datasets the cost produced (dbt node of a query, outputs of a task or run, or named in the record). */
  datasets: string[];
  /** Products claiming each dataset, with their weights. */
  claims: ReadonlyMap<string, WeightedProduct[]>;
  /** Products of the pipeline that incurred the cost. */
  pipelineProducts: WeightedProduct[];
}

export type AttributedBy = "explicit" | "datasets" | "pipeline" | "none";

export interface Share {
  productId: string | null;
  share: number;
}

/** Merges duplicate products and drops non-positive weights. */
function normalise(list: WeightedProduct[]): WeightedProduct[] {
  const byId = new Map<string, number>();
  for (const p of list) if (p.weight > 0) byId.set(p.productId, (byId.get(p.productId) ?? 0) + p.weight);
  return [...byId].map(([productId, weight]) => ({ productId, weight }));
}

function proportional(list: WeightedProduct[], of: number): Map<string | null, number> {
  const total = list.reduce((a, p) => a + p.weight, 0);
  return new Map(list.map((p) => [p.productId, (of * p.weight) / total]));
}

function add(into: Map<string | null, number>, from: Map<string | null, number>) {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

/** Shares (summing to 1) of each product, null for the unclaimed part, and which rule decided them. */
export function attributeShares(ctx: AttributionContext): { by: AttributedBy; shares: Share[] } {
  const explicit = ctx.explicit ? normalise(ctx.explicit) : [];
  if (explicit.length) return { by: "explicit", shares: toShares(proportional(explicit, 1)) };

  const pipeline = normalise(ctx.pipelineProducts);
  const datasets = [...new Set(ctx.datasets)];
  if (datasets.length) {
    const out = new Map<string | null, number>();
    const each = 1 / datasets.length;
    let claimedAny = false;
    for (const ds of datasets) {
      const claims = normalise(ctx.claims.get(ds) ?? []);
      if (claims.length) {
        claimedAny = true;
        add(out, proportional(claims, each));
      } else if (pipeline.length) {
        claimedAny = true;
        add(out, proportional(pipeline, each));
      } else {
        add(out, new Map([[null, each]]));
      }
    }
    if (claimedAny) return { by: "datasets", shares: toShares(out) };
  }
  if (pipeline.length) return { by: "pipeline", shares: toShares(proportional(pipeline, 1)) };
  return { by: "none", shares: [{ productId: null, share: 1 }] };
}

function toShares(m: Map<string | null, number>): Share[] {
  return [...m]
    .filter(([, share]) => share > 0)
    .map(([productId, share]) => ({ productId, share }))
    .sort((a, b) => b.share - a.share || String(a.productId).localeCompare(String(b.productId)));
}

/** Amounts per share in micros, summing exactly to `amountMicros`. */
export function allocate(amountMicros: number, shares: Share[]): Array<Share & { amountMicros: number }> {
  const parts = splitMicros(
    amountMicros,
    shares.map((s) => s.share),
  );
  return shares.map((s, i) => ({ ...s, amountMicros: parts[i] }));
}
