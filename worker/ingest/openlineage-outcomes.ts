import { MAX_FACET_BYTES } from "../db/repo/lineage/write";
import { utf8 } from "../lib/encoding";
import type { ErrorDetail } from "../lib/errors";
import { errorFields, log } from "../lib/log";
import type { Facets, OLEvent } from "../lineage/openlineage";
import { refusedTuttiJobs, type TuttiJobClaim } from "../lineage/openlineage-policy";
import type { IngestWriter } from "./writer";

/** What the OpenLineage receiver answers for one event (ingestOpenLineageEvents), and the checks that refuse one. */

export type IngestOutcome =
  | { ok: true; duplicate: boolean; kind: OLEvent["kind"]; runId: string | null }
  | { ok: false; status: 400 | 403 | 413 | 500; message: string; details: ErrorDetail[]; retriable: boolean };

/** Catalog ids of an event's job and run (none for dataset events), derived before the lookups that need them. */
export interface JobRef {
  jobId: string;
  runId: string | null;
}

export const acceptedOutcome = (e: OLEvent, duplicate: boolean): IngestOutcome => ({
  ok: true,
  duplicate,
  kind: e.kind,
  runId: e.kind === "run" ? e.run.runId : null,
});

const refusal = (status: 400 | 403, details: ErrorDetail[]): IngestOutcome => ({
  ok: false,
  status,
  message: `${details[0].path}: ${details[0].message}`,
  details,
  retriable: false,
});

/** The refusal (400 naming the namespace) of an event whose job in Tutti's namespace is not a task of a pipeline the writer's team owns. */
export function refusedTuttiClaim(writer: IngestWriter, tuttiJobs: TuttiJobClaim[], teams: ReadonlyMap<string, string>): IngestOutcome | null {
  const details = refusedTuttiJobs(tuttiJobs, teams, (team) => writer.mayWriteFor(team));
  return details.length ? refusal(400, details) : null;
}

/** The refusal (403) of an event about a job another team owns, or a run recorded under one, as the write's own check found them. */
export function refusedJob(r: JobRef | null, refused: { jobs: Set<string>; runs: Set<string> }): IngestOutcome | null {
  if (r && refused.jobs.has(r.jobId)) return refusal(403, [{ path: "job.name", message: "this job belongs to another team; report your own jobs' runs" }]);
  if (r?.runId && refused.runs.has(r.runId)) return refusal(403, [{ path: "run.runId", message: "this run belongs to another team's job" }]);
  return null;
}

/** Facets larger than Tutti stores (413), each named by its path. */
export function oversizedFacets(event: OLEvent): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const check = (facets: Facets, path: string) => {
    for (const [name, facet] of Object.entries(facets)) {
      const text = JSON.stringify(facet);
      // UTF-8 is at most 3 bytes per UTF-16 unit: only long texts need the exact count.
      if (text.length * 3 > MAX_FACET_BYTES && utf8(text).length > MAX_FACET_BYTES) {
        out.push({ path: `${path}.${name}`, message: `facet is larger than ${MAX_FACET_BYTES} bytes, the most Tutti stores per facet` });
      }
    }
  };
  if (event.kind === "dataset") check(event.dataset.facets, "dataset.facets");
  else {
    if (event.kind === "run") check(event.run.facets, "run.facets");
    check(event.job.facets, "job.facets");
    event.inputs.forEach((d, i) => {
      check(d.facets, `inputs[${i}].facets`);
      check(d.ioFacets, `inputs[${i}].inputFacets`);
    });
    event.outputs.forEach((d, i) => {
      check(d.facets, `outputs[${i}].facets`);
      check(d.ioFacets, `outputs[${i}].outputFacets`);
    });
  }
  return out;
}

/** Answers the event at `index` retriable (500), its write having failed. */
export function fail(outcomes: IngestOutcome[], index: number, err: unknown) {
  log.error("lineage event write failed", { index, ...errorFields(err) });
  outcomes[index] = { ok: false, status: 500, message: "storing the event failed; retry it", details: [], retriable: true };
}
