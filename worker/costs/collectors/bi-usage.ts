import type { UsageRow } from "../../db/repo/costs/usage";
import type { UsageKind } from "../../db/schema/enums";

/**
 * BI usage (Looker, Power BI) → usage events of products. A BI item names no catalogued table, so it is attributed
 * the way `POST /usage` attributes an event that names a product: by product id or name. Each use carries the names
 * that may stand for its product, most specific first (the item itself, then its semantic model, then its
 * workspace); the first one that the collector's `product_map` maps, or that is a product's id or name, wins. A use
 * nothing matches is stored unassigned (counted for no product), as a table read no product claims.
 */
export interface BiUse {
  /** Stable per use (or per day, user and item for daily counts), so reading it again replaces rather than adds. */
  eventId: string;
  productKeys: string[];
  consumer: string;
  kind: UsageKind;
  count: number;
  at: number;
}

/** Every name a batch of uses may resolve through the catalog (after the mapping). */
export function candidateNames(uses: BiUse[], productMap: Record<string, string>): string[] {
  return [...new Set(uses.flatMap((u) => u.productKeys.map((k) => productMap[k] ?? k)))];
}

/** `products`: product id or name → product id, as catalogProducts resolved them. */
export function biUsageRows(uses: BiUse[], productMap: Record<string, string>, products: Map<string, string>): UsageRow[] {
  return uses.map((u) => {
    let productId = "";
    for (const key of u.productKeys) {
      const id = products.get(productMap[key] ?? key);
      if (id) {
        productId = id;
        break;
      }
    }
    return { id: u.eventId, productId, datasetId: null, consumer: u.consumer, kind: u.kind, count: u.count, at: u.at };
  });
}
