import type { QualityStatus } from "../db/schema/enums";
import { dbtNodeClass, isRelation, manifestGraph, resourceTypeOfId } from "./dbt-graph";
import type { DbtNode, ParsedManifest } from "./dbt-manifest";
import { normaliseDbtStatus, type ParsedRunResults } from "./dbt-run-results";
import type { IdCache } from "./ids";
import { TUTTI_JOB_NAMESPACE } from "./namespaces";
import type { LineagePlan } from "./plan";

/**
 * dbt artifacts → catalog rows. Relations (models, seeds, snapshots, sources) become datasets named
 * `database.schema.identifier` in the project's data namespace, which is how OpenLineage producers (dbt-ol
 * included) name them, so both sources meet on one dataset. Everything without a relation (exposures, metrics,
 * ephemeral models, ids the manifest only references) is named by its unique id in `dbt://<project>/<environment>`.
 * Tests, unit tests and hooks become jobs. Edges are exactly the manifest's parent_map.
 */

export interface DbtTarget {
  projectId: string;
  project: string;
  environment: string;
  /** Data namespace for relations, e.g. `bigquery` or `snowflake://org-account`. */
  namespace: string;
  ownerTeamId: string | null;
}

export const DBT_PRODUCER = "https://tutti.dev/dbt-artifacts";

export const dbtOrigin = (projectId: string) => `dbt:${projectId}`;
export const TUTTI_ORIGIN = "tutti";
export const dbtNamespace = (project: string, environment: string) => `dbt://${project}/${environment}`;

/** BigQuery datasets are named the same way by every producer; other adapters need the host/account the manifest lacks. */
export function defaultDbtNamespace(adapterType: string | null, project: string, environment: string): string {
  return adapterType === "bigquery" ? "bigquery" : dbtNamespace(project, environment);
}

export interface DbtNodeRow {
  uniqueId: string;
  resourceType: string;
  name: string;
  packageName: string | null;
  path: string | null;
  materialized: string | null;
  nodeId: string;
  defined: boolean;
  description: string | null;
  tags: string[];
  testedNodeIds: string[];
  /** Column a generic test checks (`not_null` on customer_id → customer_id). */
  testColumn: string | null;
}

export interface ManifestPlanResult {
  nodes: DbtNodeRow[];
  edgeCount: number;
}

/** Name of a unique id's last segment for nodes the manifest does not define (`model.pkg.stg_orders` → stg_orders). */
const nameOfId = (id: string) => {
  const parts = id.split(".");
  // Tests end in a hash segment: test.pkg.name.hash.
  return (parts[0] === "test" && parts.length > 3 ? parts[parts.length - 2] : parts[parts.length - 1]) || id;
};

export async function planDbtManifest(plan: LineagePlan, ids: IdCache, manifest: ParsedManifest, target: DbtTarget, now: number): Promise<ManifestPlanResult> {
  const graph = manifestGraph(manifest);
  const dbtNs = dbtNamespace(target.project, target.environment);
  const at = manifest.metadata.generatedAt ?? now;
  const nodeIds = new Map<string, { id: string; cls: "dataset" | "job" }>();

  for (const uniqueId of graph.ids) {
    const node = manifest.nodes.get(uniqueId);
    const resourceType = node?.resourceType ?? resourceTypeOfId(uniqueId);
    const cls = dbtNodeClass(resourceType);
    if (cls === "dataset") {
      const relation = node && isRelation(node);
      const namespace = relation ? target.namespace : dbtNs;
      const name = relation ? [node.database, node.schema, node.identifier].filter(Boolean).join(".") : uniqueId;
      const id = await ids.dataset(namespace, name);
      nodeIds.set(uniqueId, { id, cls });
      plan.addDataset({ id, namespace, name, kind: resourceType, ownerTeamId: target.ownerTeamId, lastWriteAt: null, lastWriteRunId: null });
      if (node) addNodeFacets(plan, id, node, target, at);
    } else {
      const id = await ids.job(dbtNs, uniqueId);
      nodeIds.set(uniqueId, { id, cls });
      plan.addJob({
        id,
        namespace: dbtNs,
        name: uniqueId,
        kind: resourceType,
        integration: "DBT",
        processingType: "BATCH",
        ownerTeamId: target.ownerTeamId,
        latestRunId: null,
        latestRunAt: null,
      });
      if (node) addNodeFacets(plan, id, node, target, at);
    }
  }

  const origin = dbtOrigin(target.projectId);
  for (const [parent, child] of graph.edges) {
    const from = nodeIds.get(parent)!;
    const to = nodeIds.get(child)!;
    const kind = from.cls === "dataset" && to.cls === "job" ? "input" : from.cls === "job" && to.cls === "dataset" ? "output" : "derived";
    plan.addEdge({ from: from.id, to: to.id, kind, origin });
  }

  const parentsOf = new Map<string, string[]>();
  for (const [parent, child] of graph.edges) {
    const list = parentsOf.get(child) ?? [];
    list.push(parent);
    parentsOf.set(child, list);
  }

  const nodes: DbtNodeRow[] = graph.ids.map((uniqueId) => {
    const node = manifest.nodes.get(uniqueId);
    const resourceType = node?.resourceType ?? resourceTypeOfId(uniqueId);
    const tested: string[] = [];
    if (resourceType === "test" || resourceType === "unit_test") {
      // A generic test names the node it is attached to; a relationships test also reads the referenced model,
      // which it does not test. Singular tests have no attached node: all their dataset parents are tested.
      const attached = node?.attachedNode ? nodeIds.get(node.attachedNode) : undefined;
      const candidates = attached ? [attached] : (parentsOf.get(uniqueId) ?? []).map((p) => nodeIds.get(p)!);
      for (const c of candidates) if (c.cls === "dataset" && !tested.includes(c.id)) tested.push(c.id);
    }
    return {
      uniqueId,
      resourceType,
      name: node?.name ?? nameOfId(uniqueId),
      packageName: node?.packageName ?? null,
      path: node?.path ?? null,
      materialized: node?.materialized ?? null,
      nodeId: nodeIds.get(uniqueId)!.id,
      defined: node !== undefined,
      description: node?.description ?? null,
      tags: node?.tags ?? [],
      testedNodeIds: tested,
      testColumn: resourceType === "test" ? (node?.columnName ?? null) : null,
    };
  });
  return { nodes, edgeCount: graph.edges.length };
}

function addNodeFacets(plan: LineagePlan, entityId: string, node: DbtNode, target: DbtTarget, at: number) {
  const base = { _producer: DBT_PRODUCER };
  if (node.columns.length) {
    plan.addFacet({
      entityId,
      name: "schema",
      value: JSON.stringify({
        ...base,
        _schemaURL: "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
        fields: node.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
      }),
      eventTime: at,
    });
  }
  if (node.description) {
    plan.addFacet({
      entityId,
      name: "documentation",
      value: JSON.stringify({ ...base, _schemaURL: "https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json", description: node.description }),
      eventTime: at,
    });
  }
  plan.addFacet({
    entityId,
    name: "dbt_node",
    value: JSON.stringify({
      ...base,
      unique_id: node.uniqueId,
      resource_type: node.resourceType,
      package_name: node.packageName,
      materialized: node.materialized,
      relation_name: node.relationName,
      path: node.path,
      tags: node.tags,
      owner: node.owner,
      project: target.project,
      environment: target.environment,
      ...(node.testName ? { test_name: node.testName, column_name: node.columnName } : {}),
    }),
    eventTime: at,
  });
}

/** What run_results need to know about a node: its catalog id and, for tests, the datasets it checks. */
export interface DbtNodeRef {
  nodeId: string;
  resourceType: string;
  name: string;
  testedNodeIds: string[];
  testColumn: string | null;
}

export interface TuttiTaskRef {
  runId: string;
  taskKey: string;
  pipeline: string;
}

export interface RunResultsPlanResult {
  jobRunId: string;
  counts: Record<string, number>;
}

const writtenTypes = new Set(["model", "seed", "snapshot"]);

export function qualityStatusOf(status: string): QualityStatus {
  switch (normaliseDbtStatus(status)) {
    case "pass":
    case "success":
      return "pass";
    case "warn":
      return "warn";
    case "fail":
      return "fail";
    case "skipped":
      return "skipped";
    default:
      // "error" and statuses dbt may add later: a check that did not pass cleanly must not look green.
      return "error";
  }
}

/**
 * run_results → one job run for the invocation (or for the Tutti task that ran it), the datasets it wrote
 * (freshness), and quality results for tests. Results whose node is unknown are still stored by the caller.
 */
export async function planDbtRunResults(
  plan: LineagePlan,
  ids: IdCache,
  rr: ParsedRunResults,
  nodes: Map<string, DbtNodeRef>,
  target: DbtTarget,
  opts: { uploadId: string; now: number; tutti: TuttiTaskRef | null },
): Promise<RunResultsPlanResult> {
  const dbtNs = dbtNamespace(target.project, target.environment);
  const invocation = rr.metadata.invocationId ?? opts.uploadId;
  const counts: Record<string, number> = {};
  let startedAt: number | null = null;
  let lastCompleted: number | null = null;
  let failed = false;
  for (const r of rr.results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    if (r.startedAt != null && (startedAt == null || r.startedAt < startedAt)) startedAt = r.startedAt;
    if (r.completedAt != null && (lastCompleted == null || r.completedAt > lastCompleted)) lastCompleted = r.completedAt;
    const s = normaliseDbtStatus(r.status);
    if (s === "error" || s === "fail") failed = true;
  }
  const endedAt = rr.metadata.generatedAt ?? lastCompleted ?? opts.now;

  const jobNamespace = opts.tutti ? TUTTI_JOB_NAMESPACE : dbtNs;
  const jobName = opts.tutti ? `${opts.tutti.pipeline}.${opts.tutti.taskKey}` : `dbt ${rr.command ?? "invocation"}`;
  const jobId = await ids.job(jobNamespace, jobName);
  const source = opts.tutti ? "tutti" : "dbt";
  const externalId = opts.tutti ? `${opts.tutti.runId}:${opts.tutti.taskKey}` : `${target.projectId}:${invocation}`;
  const runId = await ids.run(source, externalId);
  plan.addJob({
    id: jobId,
    namespace: jobNamespace,
    name: jobName,
    kind: opts.tutti ? "task" : "dbt",
    integration: "DBT",
    processingType: "BATCH",
    ownerTeamId: target.ownerTeamId,
    latestRunId: runId,
    latestRunAt: endedAt,
  });
  plan.addRun({
    id: runId,
    jobId,
    source,
    externalId,
    state: failed ? "failed" : "succeeded",
    eventType: null,
    eventTime: endedAt,
    startedAt,
    endedAt,
    nominalStartAt: null,
    parentExternalId: null,
    parentJobId: null,
    errorMessage: failed ? firstError(rr) : null,
    tuttiRunId: opts.tutti?.runId ?? null,
    tuttiTaskKey: opts.tutti?.taskKey ?? null,
  });

  for (const r of rr.results) {
    const node = nodes.get(r.uniqueId);
    if (!node) continue;
    const status = normaliseDbtStatus(r.status);
    if (writtenTypes.has(node.resourceType) && status === "success" && dbtNodeClass(node.resourceType) === "dataset") {
      const at = r.completedAt ?? endedAt;
      const details: Record<string, unknown> = {};
      if (r.bytesBilled != null) details.bytes_billed = r.bytesBilled;
      if (r.queryId) details.query_id = r.queryId;
      if (r.slotMs != null) details.slot_ms = r.slotMs;
      plan.addRunIo({
        runId,
        datasetId: node.nodeId,
        role: "output",
        rowCount: r.rowsAffected,
        bytes: r.bytesProcessed,
        fileCount: null,
        facets: Object.keys(details).length ? JSON.stringify(details) : null,
        at,
      });
      plan.addWrite({ datasetId: node.nodeId, at, runId });
      if (opts.tutti) plan.addEdge({ from: jobId, to: node.nodeId, kind: "output", origin: TUTTI_ORIGIN });
    }
    if (node.resourceType === "test" || node.resourceType === "unit_test") {
      for (const datasetId of node.testedNodeIds) {
        plan.addQuality({
          datasetId,
          source: "dbt",
          checkName: node.name,
          columnName: node.testColumn,
          status: qualityStatusOf(r.status),
          observedAt: r.completedAt ?? endedAt,
          runId,
          details: { unique_id: r.uniqueId, dbt_status: r.status, failures: r.failures, message: r.message ? r.message.slice(0, 2000) : null },
          dedupeKey: `dbt:${target.projectId}:${invocation}:${r.uniqueId}:${datasetId}`,
        });
      }
    }
  }
  return { jobRunId: runId, counts };
}

function firstError(rr: ParsedRunResults): string | null {
  const bad = rr.results.find((r) => {
    const s = normaliseDbtStatus(r.status);
    return s === "error" || s === "fail";
  });
  return bad ? `${bad.uniqueId}: ${(bad.message ?? bad.status).slice(0, 1000)}` : null;
}
