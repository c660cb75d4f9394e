import { derivedId } from "../lib/ids";

/**
 * Catalog ids derived from what identifies the object (tenant + namespace + name for datasets and jobs,
 * tenant + source + external id for runs). The same dataset reported by an OpenLineage producer and by a
 * dbt manifest gets the same id without a lookup, so a whole batch of events or a manifest becomes a fixed
 * set of bulk statements, and concurrent writers cannot create duplicates.
 */
export const datasetId = (tenantId: string, namespace: string, name: string) => derivedId("dataset", [tenantId, "dataset", namespace, name]);
export const jobId = (tenantId: string, namespace: string, name: string) => derivedId("job", [tenantId, "job", namespace, name]);
export const jobRunId = (tenantId: string, source: string, externalId: string) => derivedId("jobRun", [tenantId, "run", source, externalId]);

/**
 * Dataset and job ids derived in this isolate, keyed by everything they derive from (tenant included): producers
 * report the same jobs and datasets request after request, and an id is a pure function of its key, so a cached
 * one can never be wrong. Strings, not promises: a promise made in one request must not be awaited in another.
 * Cleared when full rather than tracked for recency; runs are mostly new and stay per ingest.
 */
const derived = new Map<string, string>();
const MAX_DERIVED = 20_000;

/** Memoises ids within one ingest (a manifest names the same node many times), datasets' and jobs' across ingests too. */
export class IdCache {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly tenantId: string) {}
  dataset(namespace: string, name: string) {
    return this.memo(`d\u0000${namespace}\u0000${name}`, () => datasetId(this.tenantId, namespace, name), true);
  }
  job(namespace: string, name: string) {
    return this.memo(`j\u0000${namespace}\u0000${name}`, () => jobId(this.tenantId, namespace, name), true);
  }
  run(source: string, externalId: string) {
    return this.memo(`r\u0000${source}\u0000${externalId}`, () => jobRunId(this.tenantId, source, externalId), false);
  }
  private memo(key: string, make: () => Promise<string>, shared: boolean) {
    let hit = this.cache.get(key);
    if (hit) return hit;
    const sharedKey = `${this.tenantId}\u0000${key}`;
    const known = shared ? derived.get(sharedKey) : undefined;
    if (known !== undefined) hit = Promise.resolve(known);
    else {
      hit = make();
      if (shared) {
        void hit.then(
          (id) => {
            if (derived.size >= MAX_DERIVED) derived.clear();
            derived.set(sharedKey, id);
          },
          () => {},
        );
      }
    }
    this.cache.set(key, hit);
    return hit;
  }
}
