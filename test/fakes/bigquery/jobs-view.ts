/**
 * INFORMATION_SCHEMA.JOBS_BY_PROJECT of the BigQuery fake, per project: rows a test registers (plain objects with
 * the view's column names), answered for the collector's query as BigQuery would encode them (CONTRACTS-2 §2).
 * The fake applies the query's filters itself: creation_time in [@window_from, @window_to), state = 'DONE',
 * statement_type not 'SCRIPT'. A row with `_hidden_reads: n` is absent from the first n reads (a late row).
 * Columns come back in the fake's own order, not the query's, so a client that reads them by position fails.
 */

export interface JobsViewRow {
  job_id: string;
  project_id?: string;
  user_email?: string;
  job_type?: string;
  statement_type?: string | null;
  state?: string;
  creation_time: string;
  start_time?: string | null;
  end_time?: string | null;
  total_bytes_billed?: string | number | null;
  total_slot_ms?: string | number | null;
  reservation_id?: string | null;
  cache_hit?: boolean | null;
  error_reason?: string | null;
  labels?: Array<{ key: string; value: string }>;
  referenced_tables?: Array<{ project_id: string; dataset_id: string; table_id: string }>;
  _hidden_reads?: number;
}

interface Field {
  name: string;
  type: string;
  mode: "NULLABLE" | "REPEATED";
  fields?: Field[];
}

const s = (name: string, type = "STRING"): Field => ({ name, type, mode: "NULLABLE" });
const repeated = (name: string, fields: Field[]): Field => ({ name, type: "RECORD", mode: "REPEATED", fields });

/** The collector formats timestamps with FORMAT_TIMESTAMP, so they are STRING columns here. */
export const jobsSchema: Field[] = [
  repeated("labels", [s("key"), s("value")]),
  s("total_slot_ms", "INTEGER"),
  s("job_id"),
  s("creation_time"),
  s("project_id"),
  s("user_email"),
  s("job_type"),
  s("statement_type"),
  s("state"),
  s("start_time"),
  s("end_time"),
  s("total_bytes_billed", "INTEGER"),
  s("reservation_id"),
  s("cache_hit", "BOOLEAN"),
  s("error_reason"),
  repeated("referenced_tables", [s("project_id"), s("dataset_id"), s("table_id")]),
];

type Cell = { v: unknown };

/** A value as BigQuery's JSON carries it: scalars as strings (int64 too), REPEATED as [{v}], RECORD as {f: […]}. */
function encode(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return field.mode === "REPEATED" ? [] : null;
  if (field.mode === "REPEATED") return (value as unknown[]).map((item) => ({ v: encodeOne(field, item) }));
  return encodeOne(field, value);
}

function encodeOne(field: Field, value: unknown): unknown {
  if (field.type === "RECORD") return { f: field.fields!.map((sub) => ({ v: encode(sub, (value as Record<string, unknown>)[sub.name]) })) };
  return value === null ? null : String(value);
}

export function encodeRow(fields: Field[], row: Record<string, unknown>): { f: Cell[] } {
  return { f: fields.map((field) => ({ v: encode(field, row[field.name]) })) };
}

export function createJobsView() {
  const byProject = new Map<string, JobsViewRow[]>();
  const reads = new Map<string, number>();
  return {
    register(project: string, rows: JobsViewRow[]) {
      byProject.set(project, rows);
      reads.set(project, 0);
    },
    has: (project: string) => byProject.has(project),
    /** The rows the query selects, encoded; each call is one read of the view. */
    read(project: string, from: number, to: number) {
      const n = (reads.get(project) ?? 0) + 1;
      reads.set(project, n);
      return (byProject.get(project) ?? [])
        .filter((r) => (r._hidden_reads ?? 0) < n)
        .filter((r) => {
          const created = Date.parse(r.creation_time);
          return created >= from && created < to && (r.state ?? "DONE") === "DONE" && r.statement_type !== "SCRIPT";
        })
        .sort((a, b) => Date.parse(a.creation_time) - Date.parse(b.creation_time) || a.job_id.localeCompare(b.job_id))
        .map(({ _hidden_reads, ...r }) => encodeRow(jobsSchema, { project_id: project, state: "DONE", ...r }));
    },
  };
}
