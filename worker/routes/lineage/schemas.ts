import { z } from "@hono/zod-openapi";
import { TeamRef } from "./catalog-schemas";

/** An OpenLineage RunEvent, DatasetEvent or JobEvent (spec 2-0-2); validated by worker/lineage/openlineage.ts. */
export const OpenLineageEvent = z.record(z.string(), z.unknown()).openapi("OpenLineageEvent", {
  description:
    "An OpenLineage event as sent by openlineage-python/java clients, Airflow, Spark, Flink or dbt-ol. The kind is read from the structure: `run` → RunEvent, `dataset` → DatasetEvent, `job` without `run` → JobEvent.",
  example: {
    eventType: "COMPLETE",
    eventTime: "2026-11-25T09:00:00.000Z",
    run: { runId: "0191f3c4-7d2e-7a31-9c1b-2f6e8d4a5b10" },
    job: { namespace: "airflow", name: "daily_revenue.build_marts" },
    inputs: [{ namespace: "snowflake://acme-prod", name: "RAW.CRM.ORDERS" }],
    outputs: [{ namespace: "snowflake://acme-prod", name: "ANALYTICS.MARTS.REVENUE" }],
    producer: "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/client/python",
  },
});

export const IngestAccepted = z
  .object({
    status: z.enum(["accepted", "duplicate"]).openapi({ description: "duplicate: the same event was stored before (client retry); nothing changed" }),
    kind: z.enum(["run", "job", "dataset"]),
    run_id: z.string().nullable().openapi({ description: "The OpenLineage runId of a RunEvent" }),
  })
  .openapi("LineageIngestResult");

export const BatchResult = z
  .object({
    status: z.enum(["success", "partial_success", "failure"]),
    summary: z.object({
      received: z.number().int(),
      successful: z.number().int(),
      failed: z.number().int(),
      retriable: z.number().int(),
      non_retriable: z.number().int(),
    }),
    failed_events: z.array(
      z.object({
        index: z.number().int(),
        reason: z.string(),
        retriable: z.boolean(),
        details: z.array(z.object({ path: z.string(), message: z.string() })),
      }),
    ),
  })
  .openapi("LineageBatchResult");

export const GraphNodeOut = z
  .object({
    id: z.string().openapi({ example: "ds_4k2m9q0x1n5b6v7c8z3a" }),
    type: z.enum(["dataset", "job"]),
    namespace: z.string(),
    name: z.string(),
    kind: z.string(),
    owner_team: TeamRef,
    depth: z.number().int().openapi({ description: "Edges from the root (breadth-first); 0 for the root" }),
    last_write_at: z.string().nullable().openapi({ description: "Datasets: end of the last successful run that wrote it" }),
    last_run_state: z.string().nullable().openapi({ description: "Jobs: state of the latest run" }),
    failing_checks: z.number().int().openapi({ description: "Datasets: checks whose latest result in 30 days is fail or error (as on the dataset page)" }),
  })
  .openapi("LineageNode");

export const GraphEdgeOut = z.object({ from: z.string(), to: z.string(), kind: z.string() }).openapi("LineageEdge");

export const GraphOut = z
  .object({
    root: z.string(),
    direction: z.enum(["upstream", "downstream", "both"]),
    depth: z.number().int().nullable().openapi({ description: "null: unlimited" }),
    truncated: z.boolean(),
    nodes: z.array(GraphNodeOut),
    edges: z.array(GraphEdgeOut),
  })
  .openapi("LineageGraph");

export const PathOut = z
  .object({
    from: z.string(),
    to: z.string(),
    found: z.boolean(),
    direction: z.enum(["upstream", "downstream"]).nullable().openapi({ description: "downstream: `from` feeds `to`; upstream: `to` feeds `from`" }),
    path: z.array(z.string()).openapi({ description: "One shortest path, `from` first" }),
    nodes: z.array(GraphNodeOut).openapi({ description: "Every node on some path between the two" }),
    edges: z.array(GraphEdgeOut),
  })
  .openapi("LineagePath");

const ImpactEntryOut = z.object({ id: z.string(), namespace: z.string(), name: z.string(), kind: z.string(), owner_team: TeamRef });

export const ImpactOut = z
  .object({
    node: z.string(),
    datasets: z.array(ImpactEntryOut),
    jobs: z.array(ImpactEntryOut),
    teams: z.array(z.object({ id: z.string(), name: z.string(), datasets: z.number().int(), jobs: z.number().int() })),
  })
  .openapi("LineageImpact");
