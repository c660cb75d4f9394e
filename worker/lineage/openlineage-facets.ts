import { isObject, uuidPattern, type Facet, type Facets } from "./openlineage";
import { parseTimestamp } from "./timestamp";

/**
 * Reading OpenLineage facets: how same-name facets accumulate, and the fields of the standard facets Tutti uses
 * (parent run, nominal time, error, job type, dataset type, statistics, quality assertions, schema, column lineage).
 * Tolerant: a malformed facet reads as absent.
 */

/** A job or dataset facet with `_deleted: true` removes the facet of that name. */
export const isDeletedFacet = (facet: Facet) => facet._deleted === true;

/**
 * Same-name facets replace each other completely (spec: "events accumulate"). `allowDelete` honours
 * `_deleted` tombstones, which the spec defines for job and dataset facets only.
 */
export function mergeFacets(existing: Facets, incoming: Facets, allowDelete: boolean): Facets {
  const out: Facets = { ...existing };
  for (const [name, facet] of Object.entries(incoming)) {
    if (allowDelete && isDeletedFacet(facet)) delete out[name];
    else out[name] = facet;
  }
  return out;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export interface ParentRef {
  runId: string | null;
  namespace: string;
  name: string;
}

/** The `parent` run facet (ParentRunFacet 1-2-0): the run and job that started this one. */
export function parentOf(runFacets: Facets): ParentRef | null {
  const p = runFacets.parent;
  if (!p || !isObject(p.job)) return null;
  const namespace = str(p.job.namespace);
  const name = str(p.job.name);
  if (!namespace || !name) return null;
  const runId = isObject(p.run) ? str(p.run.runId) : null;
  return { runId: runId && uuidPattern.test(runId) ? runId.toLowerCase() : null, namespace, name };
}

export function nominalStartOf(runFacets: Facets): number | null {
  const text = str(runFacets.nominalTime?.nominalStartTime);
  return text ? parseTimestamp(text) : null;
}

export function errorMessageOf(runFacets: Facets): string | null {
  return str(runFacets.errorMessage?.message);
}

export interface JobTypeInfo {
  processingType: string | null;
  integration: string | null;
  jobType: string | null;
}

export function jobTypeOf(jobFacets: Facets): JobTypeInfo {
  const f = jobFacets.jobType ?? {};
  return { processingType: str(f.processingType), integration: str(f.integration), jobType: str(f.jobType) };
}

/** `datasetType` facet (TABLE, VIEW, TOPIC, …) as a lower-case catalog kind, or null. */
export function datasetKindOf(facets: Facets): string | null {
  const t = str(facets.datasetType?.datasetType);
  return t ? t.toLowerCase() : null;
}

export interface OutputStatistics {
  rowCount: number | null;
  bytes: number | null;
  fileCount: number | null;
}

export function outputStatisticsOf(ioFacets: Facets): OutputStatistics | null {
  const f = ioFacets.outputStatistics;
  if (!f) return null;
  return { rowCount: num(f.rowCount), bytes: num(f.size), fileCount: num(f.fileCount) };
}

export interface Assertion {
  assertion: string;
  success: boolean;
  column: string | null;
  params: unknown;
}

/**
 * `dataQualityAssertions` is an input-dataset facet; older producers put it among the dataset's own
 * facets, so both places are read (input facets win when both are present).
 */
export function assertionsOf(ds: { facets: Facets; ioFacets?: Facets }): Assertion[] {
  const facet = ds.ioFacets?.dataQualityAssertions ?? ds.facets.dataQualityAssertions;
  if (!facet || !Array.isArray(facet.assertions)) return [];
  const out: Assertion[] = [];
  for (const a of facet.assertions) {
    if (!isObject(a) || !str(a.assertion) || typeof a.success !== "boolean") continue;
    out.push({ assertion: a.assertion as string, success: a.success, column: str(a.column), params: a.params ?? null });
  }
  return out;
}

export interface SchemaField {
  name: string;
  type: string | null;
  description: string | null;
  fields?: SchemaField[];
}

/** Fields of the `schema` facet, nested struct fields included. */
export function schemaFieldsOf(facets: Facets): SchemaField[] | null {
  const fields = facets.schema?.fields;
  return Array.isArray(fields) ? readFields(fields) : null;
}

function readFields(list: unknown[]): SchemaField[] {
  const out: SchemaField[] = [];
  for (const f of list) {
    if (!isObject(f) || !str(f.name)) continue;
    const field: SchemaField = { name: f.name as string, type: str(f.type), description: str(f.description) };
    if (Array.isArray(f.fields) && f.fields.length) field.fields = readFields(f.fields);
    out.push(field);
  }
  return out;
}

export const documentationOf = (facets: Facets): string | null => str(facets.documentation?.description);

export interface ColumnLineageInput {
  namespace: string;
  name: string;
  field: string;
  transformations: unknown[] | null;
}

export interface ColumnLineageField {
  field: string;
  inputs: ColumnLineageInput[];
  transformationType: string | null;
  transformationDescription: string | null;
}

/**
 * The `columnLineage` facet of an output dataset: for each output field, the input fields it comes from.
 * Inputs without a namespace (Spark's partial expectations) fall back to the output's namespace only when
 * `defaultNamespace` is given; otherwise they are skipped, since a column edge needs both ends.
 */
export function columnLineageOf(facets: Facets, defaultNamespace?: string): ColumnLineageField[] {
  const fields = facets.columnLineage?.fields;
  if (!isObject(fields)) return [];
  const out: ColumnLineageField[] = [];
  for (const [field, spec] of Object.entries(fields)) {
    if (!isObject(spec) || !Array.isArray(spec.inputFields)) continue;
    const inputs: ColumnLineageInput[] = [];
    for (const input of spec.inputFields) {
      if (!isObject(input)) continue;
      const namespace = str(input.namespace) ?? defaultNamespace ?? null;
      const name = str(input.name);
      const inputField = str(input.field);
      if (!namespace || !name || !inputField) continue;
      inputs.push({ namespace, name, field: inputField, transformations: Array.isArray(input.transformations) ? input.transformations : null });
    }
    if (inputs.length) {
      out.push({ field, inputs, transformationType: str(spec.transformationType), transformationDescription: str(spec.transformationDescription) });
    }
  }
  return out;
}
