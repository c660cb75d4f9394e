/**
 * Named outputs a connector reports when a task succeeds (a dbt Cloud run id, rows synced, a BigQuery job's bytes),
 * stored with the task attempt and read downstream through `${{ tasks.<task>.outputs.<name> }}` and `run_if`.
 * Declared per connector so a push can refuse a name the connector never reports.
 */

/** CEL types of outputs: `int` values may arrive as JS numbers or decimal strings (BigQuery's int64 counts). */
export const outputTypes = ["int", "string", "bool", "dyn"] as const;
export type OutputType = (typeof outputTypes)[number];

export interface OutputDecl {
  type: OutputType;
  description: string;
}

export type OutputDecls = Readonly<Record<string, OutputDecl>>;

/** What one task's outputs may hold: JSON values, bounded so a run's state stays small. */
export const MAX_OUTPUT_VALUE_BYTES = 4096;
export const MAX_OUTPUTS_BYTES = 16_384;

/**
 * The outputs to store from what a connector reported: only declared names, no null or missing values ("not
 * reported"), strings cleaned of the connection's credentials, each value at most 4 KiB of JSON. A value over the
 * limit is left out and named in `dropped`, so a downstream reference fails with a reason rather than a cut value.
 */
export function boundOutputs(
  reported: Record<string, unknown> | undefined,
  declared: OutputDecls,
  clean: (text: string) => string,
): { outputs: Record<string, unknown> | null; dropped: string[] } {
  if (!reported) return { outputs: null, dropped: [] };
  const outputs: Record<string, unknown> = {};
  const dropped: string[] = [];
  let total = 0;
  for (const [name, decl] of Object.entries(declared)) {
    const value = reported[name];
    if (value === undefined || value === null) continue;
    const cleaned = decl.type === "int" ? asInt(value) : cleanDeep(value, clean);
    const size = new TextEncoder().encode(JSON.stringify(cleaned)).byteLength;
    if (size > MAX_OUTPUT_VALUE_BYTES || total + size > MAX_OUTPUTS_BYTES) {
      dropped.push(name);
      continue;
    }
    total += size;
    outputs[name] = cleaned;
  }
  return { outputs: Object.keys(outputs).length ? outputs : null, dropped };
}

/** Counts some tools send as decimal strings (BigQuery's int64 bytes) become numbers while they fit exactly. */
function asInt(value: unknown): unknown {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function cleanDeep(value: unknown, clean: (text: string) => string): unknown {
  if (typeof value === "string") return clean(value);
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, clean));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanDeep(v, clean)]));
  return value;
}

/** Every output a task can report: its connector's, and those its `with` selects. */
export function declaredOutputs(connector: { outputs: OutputDecls; selectedOutputs?: (input: never) => OutputDecls }, input: unknown): OutputDecls {
  const selected = connector.selectedOutputs && input !== undefined ? connector.selectedOutputs(input as never) : {};
  return { ...connector.outputs, ...selected };
}
