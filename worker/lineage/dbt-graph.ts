import type { DbtNode, ParsedManifest } from "./dbt-manifest";

/** A parsed dbt manifest as a graph: which resources are datasets or jobs, and the first-order edges dbt records. */

/** Where a dbt resource sits in Tutti's graph: relations and other data products are datasets; tests and hooks are jobs. */
export function dbtNodeClass(resourceType: string): "dataset" | "job" {
  switch (resourceType) {
    case "test":
    case "unit_test":
    case "operation":
    case "analysis":
    case "sql_operation":
    case "sql":
    case "rpc":
      return "job";
    default:
      return "dataset";
  }
}

/** Resource types that are tables or views in the warehouse (named database.schema.identifier). */
export function isRelation(node: DbtNode): boolean {
  if (!["model", "seed", "snapshot", "source"].includes(node.resourceType)) return false;
  if (node.materialized === "ephemeral") return false;
  return node.schema !== null && node.identifier !== null;
}

/** The resource type a unique id names (`model.pkg.name` → model), for ids the manifest references but does not define. */
export function resourceTypeOfId(uniqueId: string): string {
  return uniqueId.split(".")[0] || "node";
}

export interface ManifestGraph {
  /** Every node id: parent_map keys and values, and every defined node. */
  ids: string[];
  /** First-order edges parent → child, deduplicated. */
  edges: Array<[string, string]>;
}

/**
 * The graph dbt itself records: `parent_map` (first-order, tests and exposures included). When a manifest has
 * no parent_map, `depends_on.nodes` of each defined node gives the same edges.
 */
export function manifestGraph(m: ParsedManifest): ManifestGraph {
  const ids = new Set<string>();
  const edges = new Map<string, [string, string]>();
  const addEdge = (parent: string, child: string) => {
    ids.add(parent);
    ids.add(child);
    edges.set(`${parent}\u0000${child}`, [parent, child]);
  };
  if (m.parentMap) {
    for (const [child, parents] of Object.entries(m.parentMap)) {
      ids.add(child);
      for (const parent of parents) addEdge(parent, child);
    }
  } else {
    for (const node of m.nodes.values()) for (const parent of node.dependsOn) addEdge(parent, node.uniqueId);
  }
  for (const id of m.nodes.keys()) ids.add(id);
  return { ids: [...ids], edges: [...edges.values()] };
}
