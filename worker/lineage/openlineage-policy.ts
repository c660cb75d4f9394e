import type { ErrorDetail } from "../lib/errors";
import { isReservedNamespace, pipelineOfTaskJob, TUTTI_JOB_NAMESPACE } from "./namespaces";
import { parentOf } from "./openlineage-facets";
import type { OLEvent } from "./openlineage";

/**
 * How far ahead of Tutti's clock an `eventTime` may be. Producers' clocks drift by seconds; an event from the
 * future would hold a facet, a run state or a freshness against every real event until that time comes.
 */
export const MAX_EVENT_TIME_AHEAD_MS = 5 * 60_000;

/** A job of the event in Tutti's namespace: it speaks for `pipeline`, or for none when the name or spelling is not a task's. */
export interface TuttiJobClaim {
  path: "job.namespace" | "run.facets.parent.job.namespace";
  pipeline: string | null;
}

/**
 * What a well-formed event may not claim, as far as the event alone tells (pure; `now` is Tutti's clock): a time
 * in the future. Its claims to Tutti's namespace are returned for the caller to check against pipeline owners.
 */
export function eventPolicy(event: OLEvent, now: number): { problems: ErrorDetail[]; tuttiJobs: TuttiJobClaim[] } {
  const problems: ErrorDetail[] = [];
  if (event.eventTime > now + MAX_EVENT_TIME_AHEAD_MS) {
    problems.push({
      path: "eventTime",
      message: `is more than ${MAX_EVENT_TIME_AHEAD_MS / 60_000} minutes ahead of Tutti's clock; check the producer's clock`,
    });
  }
  const tuttiJobs: TuttiJobClaim[] = [];
  const claim = (path: TuttiJobClaim["path"], job: { namespace: string; name: string }) => {
    if (isReservedNamespace(job.namespace)) tuttiJobs.push({ path, pipeline: job.namespace === TUTTI_JOB_NAMESPACE ? pipelineOfTaskJob(job.name) : null });
  };
  if (event.kind !== "dataset") claim("job.namespace", event.job);
  if (event.kind === "run") {
    const parent = parentOf(event.run.facets);
    if (parent) claim("run.facets.parent.job.namespace", parent);
  }
  return { problems, tuttiJobs };
}

/**
 * Claims refused given each named pipeline's team (absent: no such pipeline) and what the writer may act for:
 * Tutti's namespace is reserved for tasks of existing pipelines, and each team reports only its own pipelines' tasks.
 */
export function refusedTuttiJobs(claims: TuttiJobClaim[], pipelineTeams: ReadonlyMap<string, string>, mayWriteFor: (teamId: string) => boolean): ErrorDetail[] {
  return claims.flatMap(({ path, pipeline }): ErrorDetail[] => {
    const team = pipeline === null ? undefined : pipelineTeams.get(pipeline);
    if (team !== undefined && mayWriteFor(team)) return [];
    const message =
      team === undefined
        ? `"${TUTTI_JOB_NAMESPACE}" is reserved for Tutti's pipelines: a job in it is named "<pipeline>.<task>" after an existing pipeline`
        : `"${TUTTI_JOB_NAMESPACE}" jobs speak for their pipeline; pipeline "${pipeline}" belongs to another team`;
    return [{ path, message }];
  });
}
