/**
 * `${{ tasks.<task>.outputs.<name> }}` and `${{ params.<name> }}` inside a task's `with`: the one syntax for values
 * known only when the run gets there. Checked at push (worker/pipelines/references.ts), resolved by the run engine
 * when it dispatches the task. Pure.
 *
 * A value is inserted as text: a string as it is, a number or boolean in its JSON spelling, a list or map as JSON.
 * The connector's own `{{ … }}` placeholders (the `http` connector's `{{run_id}}`) are a separate, per-request thing.
 */

export type TemplateRef = { kind: "output"; task: string; output: string } | { kind: "param"; name: string };

export interface TemplateUse {
  /** Where in `with` the string holding it is (`["body", "model"]`). */
  path: Array<string | number>;
  /** The text between `${{` and `}}`, trimmed. */
  text: string;
  ref: TemplateRef | null;
}

const TEMPLATE = /\$\{\{([^}]*)\}\}/g;
const NAME = "[A-Za-z0-9_][A-Za-z0-9_-]*";
const OUTPUT_REF = new RegExp(`^tasks\\.(${NAME})\\.outputs\\.(${NAME})$`);
const PARAM_REF = new RegExp(`^params\\.(${NAME})$`);

export function parseRef(text: string): TemplateRef | null {
  const output = OUTPUT_REF.exec(text);
  if (output) return { kind: "output", task: output[1], output: output[2] };
  const param = PARAM_REF.exec(text);
  return param ? { kind: "param", name: param[1] } : null;
}

export const refText = (ref: TemplateRef) => (ref.kind === "output" ? `tasks.${ref.task}.outputs.${ref.output}` : `params.${ref.name}`);

/** Every `${{ … }}` in a JSON value (strings inside objects and lists), with its path. */
export function templateUses(value: unknown, path: Array<string | number> = []): TemplateUse[] {
  if (typeof value === "string") {
    return [...value.matchAll(TEMPLATE)].map((m) => {
      const text = m[1].trim();
      return { path, text, ref: parseRef(text) };
    });
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templateUses(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => templateUses(v, [...path, k]));
  return [];
}

/** The distinct references of a `with`, as the engine keeps them in a run's plan. */
export function templateRefs(value: unknown): TemplateRef[] {
  const seen = new Map<string, TemplateRef>();
  for (const use of templateUses(value)) if (use.ref) seen.set(refText(use.ref), use.ref);
  return [...seen.values()];
}

export interface TemplateScope {
  /** Outputs of a task of the run (null: none reported, or the task did not succeed). */
  outputs(task: string): Record<string, unknown> | null;
  /** Status of a task of the run, for the message when its outputs are missing. */
  status(task: string): string | undefined;
  params: Record<string, unknown>;
}

/** Why a reference has no value in this run, or null when it has one. */
export function missingValue(ref: TemplateRef, scope: TemplateScope): string | null {
  if (ref.kind === "param") return Object.hasOwn(scope.params, ref.name) ? null : `the run has no param "${ref.name}"`;
  const outputs = scope.outputs(ref.task);
  if (outputs && Object.hasOwn(outputs, ref.output)) return null;
  const status = scope.status(ref.task);
  if (status !== "succeeded") return `task ${ref.task} ${status ?? "is not in this run"}, so it has no outputs`;
  return `task ${ref.task} reported no output "${ref.output}"`;
}

function valueFor(ref: TemplateRef, scope: TemplateScope): unknown {
  return ref.kind === "param" ? scope.params[ref.name] : scope.outputs(ref.task)![ref.output];
}

const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export type Resolved = { ok: true; value: unknown } | { ok: false; path: Array<string | number>; message: string };

/**
 * `with` with every template replaced by its value, or the first reference without one. The message names the
 * field and the reference, never a value (values may be anything a tool answered).
 */
export function resolveTemplates(value: unknown, scope: TemplateScope, path: Array<string | number> = []): Resolved {
  if (typeof value === "string") {
    let problem: string | null = null;
    const out = value.replace(TEMPLATE, (whole, inner: string) => {
      const ref = parseRef(inner.trim());
      if (!ref) {
        problem ??= `"${inner.trim()}" is not a reference (tasks.<task>.outputs.<name> or params.<name>)`;
        return whole;
      }
      const missing = missingValue(ref, scope);
      if (missing) {
        problem ??= `\${{ ${refText(ref)} }}: ${missing}`;
        return whole;
      }
      return asText(valueFor(ref, scope));
    });
    return problem ? { ok: false, path, message: problem } : { ok: true, value: out };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, v] of value.entries()) {
      const r = resolveTemplates(v, scope, [...path, i]);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveTemplates(v, scope, [...path, k]);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}
