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

/** Memoises ids within one ingest: a manifest names the same node many times. */
export class IdCache {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly tenantId: string) {}
  dataset(namespace: string, name: string) {
    return this.memo(`d\u0000${namespace}\u0000${name}`, () => datasetId(this.tenantId, namespace, name));
  }
  job(namespace: string, name: string) {
    return this.memo(`j\u0000${namespace}\u0000${name}`, () => jobId(this.tenantId, namespace, name));
  }
  run(source: string, externalId: string) {
    return this.memo(`r\u0000${source}\u0000${externalId}`, () => jobRunId(this.tenantId, source, externalId));
  }
  private memo(key: string, make: () => Promise<string>) {
    let hit = this.cache.get(key);
    if (!hit) {
      hit = make();
      this.cache.set(key, hit);
    }
    return hit;
  }
}
