import { declaredOutputs, type OutputDecls } from "../connectors/outputs";
import { isRunIfKeyword, runIfProblem, runIfKeywords } from "../engine/run-if";
import { templateUses } from "../engine/templates";
import type { ErrorDetail } from "../lib/errors";
import { formatPath } from "../lib/errors";

/** What reference checks need of one task of the pushed spec. */
export interface ReferenceTask {
  id: string;
  dependsOn: string[];
  /** Its outputs: null when its connector is unknown or its `with` is invalid (reported elsewhere). */
  outputs: OutputDecls | null;
  with: unknown;
  runIf: unknown;
}

/** A task's `outputs`, from its connector and its own `with` (the `http` connector selects them there). */
export function taskOutputs(
  connector: { outputs: OutputDecls; selectedOutputs?: (input: never) => OutputDecls } | undefined,
  parsedWith: unknown,
): OutputDecls | null {
  return connector && parsedWith !== undefined ? declaredOutputs(connector, parsedWith) : null;
}

/**
 * `${{ … }}` in `with` and `run_if` expressions, checked against the pipeline: a reference names a task this one
 * depends on (directly or not), an output its connector declares, or a declared param; an expression parses and
 * type-checks. Every problem with its path (`tasks[2].with.model`).
 */
export function referenceProblems(tasks: ReferenceTask[], params: Record<string, unknown>): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  tasks.forEach((task, i) => {
    const upstream = upstreamIds(task.id, byId);
    for (const use of templateUses(task.with)) {
      const path = formatPath(["tasks", i, "with", ...use.path]);
      const problem = use.ref ? refProblem(use.ref, task.id, upstream, byId, params) : notARef(use.text);
      if (problem) errors.push({ path, message: problem });
    }
    if (typeof task.runIf === "string" && !isRunIfKeyword(task.runIf.trim())) {
      const shapes = Object.fromEntries([...upstream].map((id) => [id, { outputs: byId.get(id)?.outputs ?? {} }]));
      // An upstream task whose outputs are unknown (its own `with` is wrong) would only add a second, confusing error.
      if ([...upstream].every((id) => byId.get(id)?.outputs !== null)) {
        const problem = runIfProblem(task.runIf.trim(), shapes, params);
        if (problem)
          errors.push({ path: formatPath(["tasks", i, "run_if"]), message: `${problem} (run_if is ${runIfKeywords.join(", ")} or a CEL expression)` });
      }
    }
  });
  return errors;
}

const notARef = (text: string) => `\${{ ${text} }} is not a reference: use \${{ tasks.<task>.outputs.<name> }} or \${{ params.<name> }}`;

function refProblem(
  ref: NonNullable<ReturnType<typeof templateUses>[number]["ref"]>,
  self: string,
  upstream: Set<string>,
  byId: Map<string, ReferenceTask>,
  params: Record<string, unknown>,
): string | null {
  if (ref.kind === "param") {
    return Object.hasOwn(params, ref.name) ? null : `no param "${ref.name}" in the spec's params (declare it with a default)`;
  }
  const source = byId.get(ref.task);
  if (!source) return `no task with id "${ref.task}"`;
  if (ref.task === self) return "a task cannot read its own outputs";
  if (!upstream.has(ref.task)) return `task "${ref.task}" is not upstream of "${self}": add it to depends_on (directly or through another task)`;
  if (source.outputs === null) return null;
  if (Object.hasOwn(source.outputs, ref.output)) return null;
  const known = Object.keys(source.outputs);
  return `task "${ref.task}" has no output "${ref.output}"; its outputs: ${known.length ? known.join(", ") : "none"}`;
}

/** Every task `id` depends on, directly or through others (ids that do not exist are skipped: reported elsewhere). */
function upstreamIds(id: string, byId: Map<string, ReferenceTask>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next) || next === id || !byId.has(next)) continue;
    seen.add(next);
    stack.push(...byId.get(next)!.dependsOn);
  }
  return seen;
}
