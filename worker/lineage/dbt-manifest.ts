import type { ErrorDetail } from "../lib/errors";
import { parseTimestamp } from "./timestamp";

/**
 * dbt manifest.json → the nodes and first-order edges Tutti keeps. v12 (dbt 1.8–1.12, Fusion) is read fully and
 * checked against the keys its schema requires; v2–v11 are read leniently (only what lineage needs must be there).
 *
 * The reader is an accumulator fed one section entry at a time, so a 100 MB manifest can be streamed through it
 * (worker/ingest/json-stream.ts) without holding the whole document; `parseManifest` feeds it an in-memory object.
 */

export const CURRENT_MANIFEST_VERSION = 12;

/** Sections whose entries become graph nodes. `nodes` holds models, seeds, snapshots, tests, operations, analyses… */
export const manifestNodeSections = ["nodes", "sources", "exposures", "metrics", "semantic_models", "saved_queries", "unit_tests", "functions"] as const;
export type ManifestNodeSection = (typeof manifestNodeSections)[number];

/** Top-level keys the v12 schema requires (`functions` is optional, 1.11+). */
const v12RequiredKeys = [
  "metadata",
  "nodes",
  "sources",
  "macros",
  "docs",
  "exposures",
  "metrics",
  "groups",
  "selectors",
  "disabled",
  "parent_map",
  "child_map",
  "group_map",
  "saved_queries",
  "semantic_models",
  "unit_tests",
] as const;

const v12NodeRequired = ["database", "schema", "name", "resource_type", "package_name", "path", "original_file_path", "unique_id", "fqn", "alias", "checksum"];
const v12SourceRequired = [
  "database",
  "schema",
  "name",
  "resource_type",
  "package_name",
  "path",
  "original_file_path",
  "unique_id",
  "fqn",
  "source_name",
  "source_description",
  "loader",
  "identifier",
];

export interface DbtColumn {
  name: string;
  type: string | null;
  description: string | null;
}

export interface DbtNode {
  uniqueId: string;
  resourceType: string;
  name: string;
  packageName: string | null;
  database: string | null;
  schema: string | null;
  /** alias for nodes, identifier for sources: the physical table or view name. */
  identifier: string | null;
  relationName: string | null;
  materialized: string | null;
  description: string | null;
  tags: string[];
  path: string | null;
  columns: DbtColumn[];
  /** `meta.owner` (or `config.meta.owner`, or the exposure's owner) as written in the project. */
  owner: string | null;
  /** Tests: the node the test is attached to, the column it checks, and the generic test's name. */
  attachedNode: string | null;
  columnName: string | null;
  testName: string | null;
  /** depends_on.nodes: used for edges only when the manifest has no parent_map. */
  dependsOn: string[];
}

export interface ManifestMetadata {
  schemaVersion: number;
  dbtVersion: string | null;
  projectName: string | null;
  projectId: string | null;
  adapterType: string | null;
  invocationId: string | null;
  generatedAt: number | null;
}

export interface ParsedManifest {
  metadata: ManifestMetadata;
  nodes: Map<string, DbtNode>;
  /** null when the manifest has none (allowed by the schema); edges then come from depends_on. */
  parentMap: Record<string, string[]> | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const key = (id: string) => `[${JSON.stringify(id)}]`;

/** `https://schemas.getdbt.com/dbt/manifest/v12.json` → { kind: "manifest", version: 12 }. */
export function artifactVersion(url: unknown): { kind: string; version: number } | null {
  if (typeof url !== "string") return null;
  const m = /\/dbt\/([a-z-]+)\/v(\d+)(?:\.json)?\/?$/i.exec(url.trim());
  return m ? { kind: m[1].toLowerCase(), version: Number(m[2]) } : null;
}

export class ManifestReader {
  readonly errors: ErrorDetail[] = [];
  private metadata: ManifestMetadata | null = null;
  private readonly nodes = new Map<string, DbtNode>();
  private parentMap: Record<string, string[]> | null = null;
  private readonly seenKeys = new Set<string>();

  constructor(private readonly prefix = "manifest") {}

  private fail(path: string, message: string) {
    // A broken manifest can have thousands of bad entries; the first hundred say enough.
    if (this.errors.length < 100) this.errors.push({ path: `${this.prefix}${path}`, message });
  }

  get version(): number | null {
    return this.metadata?.schemaVersion ?? null;
  }

  /** Called for every top-level key, before or while its value is read. */
  topKey(name: string) {
    this.seenKeys.add(name);
  }

  onMetadata(value: unknown) {
    this.topKey("metadata");
    if (!isObject(value)) {
      this.fail(".metadata", `expected an object, got ${typeName(value)}`);
      return;
    }
    const v = artifactVersion(value.dbt_schema_version);
    if (!v) {
      this.fail(".metadata.dbt_schema_version", "required: the manifest schema URL, e.g. https://schemas.getdbt.com/dbt/manifest/v12.json");
      return;
    }
    if (v.kind !== "manifest") {
      this.fail(".metadata.dbt_schema_version", `this is a ${v.kind} v${v.version} artifact, not a manifest`);
      return;
    }
    if (v.version < 2) {
      this.fail(".metadata.dbt_schema_version", `manifest v${v.version} is older than any dbt Tutti reads (v2+)`);
      return;
    }
    const generated = str(value.generated_at);
    this.metadata = {
      schemaVersion: v.version,
      dbtVersion: str(value.dbt_version),
      projectName: str(value.project_name),
      projectId: str(value.project_id),
      adapterType: str(value.adapter_type),
      invocationId: str(value.invocation_id),
      generatedAt: generated ? parseTimestamp(generated) : null,
    };
  }

  onEntry(section: ManifestNodeSection, id: string, value: unknown) {
    const path = `.${section}${key(id)}`;
    if (!isObject(value)) {
      this.fail(path, `expected an object, got ${typeName(value)}`);
      return;
    }
    // Only v12 is checked key by key; older and newer versions are read for what lineage needs.
    const strict = this.metadata?.schemaVersion === CURRENT_MANIFEST_VERSION;
    if (strict && (section === "nodes" || section === "sources")) {
      for (const field of section === "nodes" ? v12NodeRequired : v12SourceRequired) {
        if (!(field in value)) this.fail(`${path}.${field}`, "required by manifest v12");
      }
    }
    const resourceType = str(value.resource_type) ?? sectionResourceType(section);
    const name = str(value.name);
    if (!resourceType) this.fail(`${path}.resource_type`, "required");
    if (!name) this.fail(`${path}.name`, value.name === undefined ? "required" : `expected a string, got ${typeName(value.name)}`);
    if (!resourceType || !name) return;
    const uniqueId = str(value.unique_id) ?? id;
    const config = isObject(value.config) ? value.config : {};
    const meta = isObject(value.meta) ? value.meta : {};
    const configMeta = isObject(config.meta) ? config.meta : {};
    const ownerObj = isObject(value.owner) ? value.owner : null;
    const testMeta = isObject(value.test_metadata) ? value.test_metadata : null;
    const dependsOn =
      isObject(value.depends_on) && Array.isArray(value.depends_on.nodes) ? value.depends_on.nodes.filter((n): n is string => typeof n === "string") : [];
    this.nodes.set(uniqueId, {
      uniqueId,
      resourceType,
      name,
      packageName: str(value.package_name),
      database: str(value.database),
      schema: str(value.schema),
      identifier: section === "sources" ? (str(value.identifier) ?? name) : (str(value.alias) ?? name),
      relationName: str(value.relation_name),
      materialized: str(config.materialized),
      description: str(value.description),
      tags: Array.isArray(value.tags) ? value.tags.filter((t): t is string => typeof t === "string") : [],
      path: str(value.original_file_path) ?? str(value.path),
      columns: readColumns(value.columns),
      owner: str(meta.owner) ?? str(configMeta.owner) ?? (ownerObj ? (str(ownerObj.name) ?? str(ownerObj.email)) : null),
      attachedNode: str(value.attached_node),
      columnName: str(value.column_name) ?? (testMeta && isObject(testMeta.kwargs) ? str(testMeta.kwargs.column_name) : null),
      testName: testMeta ? str(testMeta.name) : null,
      dependsOn,
    });
  }

  onParentMap(value: unknown) {
    this.topKey("parent_map");
    if (value === null) {
      this.parentMap = null;
      return;
    }
    if (!isObject(value)) {
      this.fail(".parent_map", `expected an object or null, got ${typeName(value)}`);
      return;
    }
    const out: Record<string, string[]> = {};
    for (const [id, parents] of Object.entries(value)) {
      if (!Array.isArray(parents) || parents.some((p) => typeof p !== "string")) {
        this.fail(`.parent_map${key(id)}`, "expected an array of unique ids");
        continue;
      }
      out[id] = parents as string[];
    }
    this.parentMap = out;
  }

  finish(): { ok: true; manifest: ParsedManifest } | { ok: false; errors: ErrorDetail[] } {
    if (!this.seenKeys.has("metadata")) this.fail(".metadata", "required");
    if (!this.seenKeys.has("nodes")) this.fail(".nodes", "required");
    if (this.metadata?.schemaVersion === CURRENT_MANIFEST_VERSION) {
      for (const k of v12RequiredKeys) if (!this.seenKeys.has(k)) this.fail(`.${k}`, "required by manifest v12");
    }
    if (this.errors.length || !this.metadata)
      return { ok: false, errors: this.errors.length ? this.errors : [{ path: `${this.prefix}.metadata`, message: "required" }] };
    return { ok: true, manifest: { metadata: this.metadata, nodes: this.nodes, parentMap: this.parentMap } };
  }
}

function sectionResourceType(section: ManifestNodeSection): string | null {
  switch (section) {
    case "sources":
      return "source";
    case "exposures":
      return "exposure";
    case "metrics":
      return "metric";
    case "semantic_models":
      return "semantic_model";
    case "saved_queries":
      return "saved_query";
    case "unit_tests":
      return "unit_test";
    case "functions":
      return "function";
    default:
      return null;
  }
}

function readColumns(value: unknown): DbtColumn[] {
  if (!isObject(value)) return [];
  const out: DbtColumn[] = [];
  for (const [name, col] of Object.entries(value)) {
    const c = isObject(col) ? col : {};
    out.push({ name: str(c.name) ?? name, type: str(c.data_type), description: str(c.description) });
  }
  return out;
}

/** Reads a manifest already in memory (the JSON upload form, the dbt Cloud connector, tests). */
export function parseManifest(value: unknown, prefix = "manifest") {
  const reader = new ManifestReader(prefix);
  if (!isObject(value)) return { ok: false as const, errors: [{ path: prefix, message: `expected a manifest object, got ${typeName(value)}` }] };
  for (const k of Object.keys(value)) reader.topKey(k);
  // Metadata first: the version decides how strictly entries are checked.
  reader.onMetadata(value.metadata);
  for (const section of manifestNodeSections) {
    const entries = value[section];
    if (isObject(entries)) for (const [id, entry] of Object.entries(entries)) reader.onEntry(section, id, entry);
    else if (entries !== undefined && entries !== null)
      reader.errors.push({ path: `${prefix}.${section}`, message: `expected an object, got ${typeName(entries)}` });
  }
  if ("parent_map" in value) reader.onParentMap(value.parent_map);
  return reader.finish();
}
