/**
 * dbt `state:modified` for a pull request, done by Tutti: which nodes of the PR's manifest differ from the
 * production manifest, and how (body by checksum, config, contract). Pure, so the CLI (comparing locally
 * against the downloaded state) and the server (comparing an uploaded manifest) share it.
 */

/** Nodes a change in which matters downstream; tests, analyses and operations are left out. */
const COMPARED_TYPES = new Set(["model", "seed", "snapshot"]);

export type ChangeKind = "body" | "config" | "contract";

export interface NodeSummary {
  unique_id: string;
  resource_type: string;
  name: string;
  checksum: string | null;
  /** Canonical JSON of the node's config without `contract` (compared on its own). */
  config: string;
  contract_enforced: boolean;
  /** Column name → data type, as the contract declares them. */
  columns: Record<string, string | null>;
  /** config.materialized (view, table, incremental…): what the cost estimate prices a new or changed model by. */
  materialized: string | null;
}

export interface ModifiedNode {
  unique_id: string;
  resource_type: string;
  name: string;
  changes: ChangeKind[];
  /** An enforced contract lost a column or changed a type, or enforcement was switched off: consumers can break. */
  breaking_contract: boolean;
  /** The PR's materialization (absent from clients older than the cost estimate). */
  materialized?: string | null;
}

export interface ManifestDiff {
  modified: ModifiedNode[];
  added: Array<{ unique_id: string; resource_type: string; name: string; materialized?: string | null }>;
  removed: Array<{ unique_id: string; resource_type: string; name: string }>;
}

/** JSON with object keys sorted at every level, so key order never reads as a change. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

type RawNode = {
  unique_id?: string;
  resource_type?: string;
  name?: string;
  checksum?: { checksum?: string };
  config?: Record<string, unknown>;
  contract?: { enforced?: boolean };
  columns?: Record<string, { name?: string; data_type?: string | null }>;
};

/** The comparable part of a manifest's nodes (a manifest is large; this is what the comparison needs). */
export function summarizeManifest(manifest: unknown): NodeSummary[] {
  const nodes = (manifest as { nodes?: Record<string, RawNode> } | null)?.nodes;
  if (!nodes || typeof nodes !== "object") throw new Error("not a dbt manifest: it has no `nodes` object");
  const out: NodeSummary[] = [];
  for (const [id, n] of Object.entries(nodes)) {
    const type = n.resource_type ?? id.split(".")[0];
    if (!COMPARED_TYPES.has(type)) continue;
    const { contract: _contract, ...config } = n.config ?? {};
    const contractEnforced = n.contract?.enforced ?? (n.config?.contract as { enforced?: boolean } | undefined)?.enforced ?? false;
    const columns: Record<string, string | null> = {};
    for (const [name, col] of Object.entries(n.columns ?? {})) columns[col.name ?? name] = col.data_type ?? null;
    out.push({
      unique_id: n.unique_id ?? id,
      resource_type: type,
      name: n.name ?? id.split(".").pop()!,
      checksum: n.checksum?.checksum ?? null,
      config: canonicalJson(config),
      contract_enforced: contractEnforced,
      columns,
      materialized: typeof n.config?.materialized === "string" ? n.config.materialized : null,
    });
  }
  return out.sort((a, b) => a.unique_id.localeCompare(b.unique_id));
}

function contractChange(base: NodeSummary, head: NodeSummary): { changed: boolean; breaking: boolean } {
  if (!base.contract_enforced && !head.contract_enforced) return { changed: false, breaking: false };
  if (base.contract_enforced !== head.contract_enforced) return { changed: true, breaking: base.contract_enforced };
  const lost = Object.entries(base.columns).some(([name, type]) => !(name in head.columns) || head.columns[name] !== type);
  const gained = Object.keys(head.columns).some((name) => !(name in base.columns));
  return { changed: lost || gained, breaking: lost };
}

/** What the PR (`head`) changes against production (`base`). Lists are ordered by unique_id. */
export function diffManifests(base: NodeSummary[], head: NodeSummary[]): ManifestDiff {
  const before = new Map(base.map((n) => [n.unique_id, n]));
  const after = new Map(head.map((n) => [n.unique_id, n]));
  const diff: ManifestDiff = { modified: [], added: [], removed: [] };
  for (const h of head) {
    const b = before.get(h.unique_id);
    if (!b) {
      diff.added.push({ unique_id: h.unique_id, resource_type: h.resource_type, name: h.name, materialized: h.materialized });
      continue;
    }
    const changes: ChangeKind[] = [];
    if (b.checksum !== h.checksum) changes.push("body");
    if (b.config !== h.config) changes.push("config");
    const contract = contractChange(b, h);
    if (contract.changed) changes.push("contract");
    if (changes.length)
      diff.modified.push({
        unique_id: h.unique_id,
        resource_type: h.resource_type,
        name: h.name,
        changes,
        breaking_contract: contract.breaking,
        materialized: h.materialized,
      });
  }
  for (const b of base) if (!after.has(b.unique_id)) diff.removed.push({ unique_id: b.unique_id, resource_type: b.resource_type, name: b.name });
  return diff;
}
