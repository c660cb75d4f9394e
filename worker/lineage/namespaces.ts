/**
 * The namespace of Tutti's pipelines' task jobs ("tutti" / "<pipeline>.<task>"). Ownership, impact and products
 * read a job in it as a task of that pipeline, so it speaks for the pipeline's team: an OpenLineage event may name
 * such a job only for a pipeline its writer's team owns (worker/lineage/openlineage-policy.ts).
 */
export const TUTTI_JOB_NAMESPACE = "tutti";

/** Other spellings ("Tutti", " tutti ") would not link to a pipeline but would read as Tutti's own jobs. */
export const isReservedNamespace = (namespace: string) => namespace.trim().toLowerCase() === TUTTI_JOB_NAMESPACE;

/** The pipeline a task job's name names ("daily_revenue.build_marts" → "daily_revenue"); null without one. */
export function pipelineOfTaskJob(name: string): string | null {
  const dot = name.indexOf(".");
  return dot > 0 ? name.slice(0, dot) : null;
}
