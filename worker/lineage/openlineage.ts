import type { ErrorDetail } from "../lib/errors";
import { parseTimestamp } from "./timestamp";

/**
 * OpenLineage 2-0-x events, read the way the spec defines them and real producers send them.
 * Pure: no I/O, no clock. The kind is taken from the structure (`run` → RunEvent, `dataset` → DatasetEvent,
 * `job` without `run` → JobEvent), never from the `schemaURL` suffix.
 */

export const olEventTypes = ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"] as const;
export type OLEventType = (typeof olEventTypes)[number];

/** A facet is an object; vendors add any properties they like, so values are kept as they came. */
export type Facet = Record<string, unknown>;
export type Facets = Record<string, Facet>;

export interface OLDataset {
  namespace: string;
  name: string;
  facets: Facets;
  /** `inputFacets` of an input or `outputFacets` of an output: they belong to this run, not the dataset. */
  ioFacets: Facets;
}

export interface OLJob {
  namespace: string;
  name: string;
  facets: Facets;
}

interface OLBase {
  /** The event type as sent (any case), or null when omitted; unknown values are kept, see `runStateOf`. */
  eventType: string | null;
  eventTime: number;
  eventTimeText: string;
  producer: string;
  schemaURL: string | null;
}

export interface OLRunEvent extends OLBase {
  kind: "run";
  run: { runId: string; facets: Facets };
  job: OLJob;
  inputs: OLDataset[];
  outputs: OLDataset[];
}

export interface OLJobEvent extends OLBase {
  kind: "job";
  job: OLJob;
  inputs: OLDataset[];
  outputs: OLDataset[];
}

export interface OLDatasetEvent extends OLBase {
  kind: "dataset";
  dataset: { namespace: string; name: string; facets: Facets };
}

export type OLEvent = OLRunEvent | OLJobEvent | OLDatasetEvent;

export type ParseResult = { ok: true; event: OLEvent } | { ok: false; errors: ErrorDetail[] };

/** Longest namespace or name accepted; object-store keys are long, but not this long. */
export const MAX_NAME_LENGTH = 4096;

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

class Reader {
  readonly errors: ErrorDetail[] = [];
  fail(path: string, message: string) {
    this.errors.push({ path, message });
  }

  requiredString(obj: Record<string, unknown>, key: string, path: string, max = MAX_NAME_LENGTH): string {
    const v = obj[key];
    if (v === undefined || v === null) {
      this.fail(path, "required");
      return "";
    }
    if (typeof v !== "string") {
      this.fail(path, `expected a string, got ${typeName(v)}`);
      return "";
    }
    if (v.trim() === "") {
      this.fail(path, "must not be empty");
      return "";
    }
    if (v.length > max) {
      this.fail(path, `at most ${max} characters`);
      return "";
    }
    return v;
  }

  optionalString(obj: Record<string, unknown>, key: string, path: string): string | null {
    const v = obj[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") {
      this.fail(path, `expected a string, got ${typeName(v)}`);
      return null;
    }
    return v;
  }

  requiredObject(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> | null {
    const v = obj[key];
    if (v === undefined || v === null) {
      this.fail(path, "required");
      return null;
    }
    if (!isObject(v)) {
      this.fail(path, `expected an object, got ${typeName(v)}`);
      return null;
    }
    return v;
  }

  facets(obj: Record<string, unknown>, key: string, path: string): Facets {
    const v = obj[key];
    if (v === undefined || v === null) return {};
    if (!isObject(v)) {
      this.fail(path, `expected an object of facets, got ${typeName(v)}`);
      return {};
    }
    const out: Facets = {};
    for (const [name, facet] of Object.entries(v)) {
      // Producers' partial test events carry `{}` facets; an empty object is still a facet.
      if (!isObject(facet)) {
        this.fail(`${path}.${name}`, `a facet must be an object, got ${typeName(facet)}`);
        continue;
      }
      out[name] = facet;
    }
    return out;
  }

  job(obj: Record<string, unknown>, path: string): OLJob {
    const job = this.requiredObject(obj, "job", path);
    if (!job) return { namespace: "", name: "", facets: {} };
    return {
      namespace: this.requiredString(job, "namespace", `${path}.namespace`),
      name: this.requiredString(job, "name", `${path}.name`),
      facets: this.facets(job, "facets", `${path}.facets`),
    };
  }

  datasets(obj: Record<string, unknown>, key: "inputs" | "outputs"): OLDataset[] {
    const v = obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.fail(key, `expected an array, got ${typeName(v)}`);
      return [];
    }
    const ioKey = key === "inputs" ? "inputFacets" : "outputFacets";
    return v.map((item, i) => {
      const path = `${key}[${i}]`;
      if (!isObject(item)) {
        this.fail(path, `expected an object, got ${typeName(item)}`);
        return { namespace: "", name: "", facets: {}, ioFacets: {} };
      }
      return {
        namespace: this.requiredString(item, "namespace", `${path}.namespace`),
        name: this.requiredString(item, "name", `${path}.name`),
        facets: this.facets(item, "facets", `${path}.facets`),
        ioFacets: this.facets(item, ioKey, `${path}.${ioKey}`),
      };
    });
  }
}

/**
 * Validates and normalises one event. Strict where it matters (run id, job, namespace, name, eventTime,
 * producer, types), tolerant elsewhere (missing `eventType`/`schemaURL`, zone-less or nanosecond times,
 * unknown facets and properties). Every problem is reported with its path.
 */
export function parseOpenLineageEvent(raw: unknown): ParseResult {
  const r = new Reader();
  if (!isObject(raw)) return { ok: false, errors: [{ path: "(root)", message: `expected an event object, got ${typeName(raw)}` }] };

  const eventTimeText = r.requiredString(raw, "eventTime", "eventTime", 64);
  let eventTime = 0;
  if (eventTimeText) {
    const parsed = parseTimestamp(eventTimeText);
    if (parsed === null) r.fail("eventTime", "not an ISO-8601 date-time");
    else eventTime = parsed;
  }
  const producer = r.requiredString(raw, "producer", "producer", 2048);
  const schemaURL = r.optionalString(raw, "schemaURL", "schemaURL");
  const eventType = r.optionalString(raw, "eventType", "eventType");
  const base = { eventType: eventType ? eventType.toUpperCase() : null, eventTime, eventTimeText, producer, schemaURL };

  let event: OLEvent;
  if (raw.run !== undefined) {
    const run = r.requiredObject(raw, "run", "run");
    let runId = "";
    let runFacets: Facets = {};
    if (run) {
      runId = r.requiredString(run, "runId", "run.runId", 64);
      if (runId && !uuidPattern.test(runId)) r.fail("run.runId", "must be a UUID");
      runFacets = r.facets(run, "facets", "run.facets");
    }
    event = {
      kind: "run",
      ...base,
      run: { runId: runId.toLowerCase(), facets: runFacets },
      job: r.job(raw, "job"),
      inputs: r.datasets(raw, "inputs"),
      outputs: r.datasets(raw, "outputs"),
    };
  } else if (raw.dataset !== undefined) {
    const ds = r.requiredObject(raw, "dataset", "dataset");
    if (raw.job !== undefined) r.fail("job", "a DatasetEvent must not carry a job");
    event = {
      kind: "dataset",
      ...base,
      dataset: ds
        ? {
            namespace: r.requiredString(ds, "namespace", "dataset.namespace"),
            name: r.requiredString(ds, "name", "dataset.name"),
            facets: r.facets(ds, "facets", "dataset.facets"),
          }
        : { namespace: "", name: "", facets: {} },
    };
  } else if (raw.job !== undefined) {
    event = { kind: "job", ...base, job: r.job(raw, "job"), inputs: r.datasets(raw, "inputs"), outputs: r.datasets(raw, "outputs") };
  } else {
    r.fail("job", "required: a RunEvent has run and job, a JobEvent has job, a DatasetEvent has dataset");
    return { ok: false, errors: r.errors };
  }
  return r.errors.length ? { ok: false, errors: r.errors } : { ok: true, event };
}

/** Tutti's run state for an OpenLineage event type; null for OTHER, a missing type or one we do not know. */
export function runStateOf(eventType: string | null): "running" | "succeeded" | "failed" | "cancelled" | null {
  switch (eventType) {
    case "START":
    case "RUNNING":
      return "running";
    case "COMPLETE":
      return "succeeded";
    case "FAIL":
      return "failed";
    case "ABORT":
      return "cancelled";
    default:
      return null;
  }
}
