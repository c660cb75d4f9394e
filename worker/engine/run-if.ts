import { Environment } from "@marcbachmann/cel-js";
import type { OutputDecls } from "../connectors/outputs";
import { taskStatuses } from "./states";

/**
 * `run_if`: one of the keywords, or a CEL expression (https://cel.dev) over the statuses and outputs of the task's
 * upstream tasks and the run's params, e.g. `tasks.extract.status == 'succeeded' && tasks.extract.outputs.rows > 0`.
 * Interpreted by @marcbachmann/cel-js, which walks the parsed tree (no eval, no `new Function`), so it runs in
 * workerd. Checked against the pipeline's tasks at push; evaluated by the pure transition when the task's
 * dependencies are done.
 */

export const runIfKeywords = ["all_success", "all_done", "any_failed"] as const;
export type RunIfKeyword = (typeof runIfKeywords)[number];
export const isRunIfKeyword = (v: string): v is RunIfKeyword => (runIfKeywords as readonly string[]).includes(v);

export const MAX_RUN_IF_LENGTH = 1000;
const limits = { maxAstNodes: 200, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 };

/** What a `run_if` expression can see of one upstream task when it is checked at push. */
export interface UpstreamShape {
  outputs: OutputDecls;
}

type AstNode = { op: string; args: unknown };

/**
 * Why the expression is refused, or null: it must parse, name only upstream tasks, their `status` and declared
 * outputs and the pipeline's params, give a bool, and compare `status` only with a real task status.
 */
export function runIfProblem(expression: string, upstream: Record<string, UpstreamShape>, params: Record<string, unknown>): string | null {
  const tasks = Object.fromEntries(
    Object.entries(upstream).map(([key, u]) => [
      key,
      { status: "string", outputs: Object.fromEntries(Object.entries(u.outputs).map(([n, d]) => [n, d.type])) },
    ]),
  );
  const env = new Environment({ limits })
    .registerVariable({ name: "tasks", schema: tasks })
    .registerVariable({ name: "params", schema: Object.fromEntries(Object.keys(params).map((name) => [name, "dyn"])) });
  let checked: ReturnType<Environment["check"]>;
  try {
    checked = env.check(expression);
  } catch (err) {
    return firstLine(err);
  }
  if (!checked.valid) return withUpstreamHint(firstLine(checked.error), upstream);
  if (checked.type !== "bool" && checked.type !== "dyn") return `must be true or false, but gives ${checked.type}`;
  return badStatusLiteral(env.parse(expression).ast as AstNode);
}

/** The parser's first line (the rest draws a caret under the expression). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/** "No such key: load" says little when `load` is a task that is simply not upstream. */
function withUpstreamHint(message: string, upstream: Record<string, UpstreamShape>): string {
  if (!message.startsWith("No such key:")) return message;
  const names = Object.keys(upstream);
  return `${message} (run_if sees tasks.<upstream task>.status and .outputs.<declared output>, and params.<name>; upstream tasks: ${names.length ? names.join(", ") : "none"})`;
}

/** `tasks.x.status == 'success'` would be false for ever: statuses are the engine's (`succeeded`, `failed`, …). */
function badStatusLiteral(node: AstNode): string | null {
  if (!node || typeof node !== "object") return null;
  const args = Array.isArray(node.args) ? (node.args as AstNode[]) : [];
  if ((node.op === "==" || node.op === "!=") && args.length === 2) {
    for (const [a, b] of [args, [...args].reverse()]) {
      const isStatus = a?.op === "." && Array.isArray(a.args) && a.args[1] === "status";
      if (isStatus && b?.op === "value" && typeof b.args === "string" && !(taskStatuses as readonly string[]).includes(b.args)) {
        return `"${b.args}" is not a task status; statuses are ${taskStatuses.join(", ")}`;
      }
    }
  }
  for (const arg of args) {
    const problem = badStatusLiteral(arg);
    if (problem) return problem;
  }
  return null;
}

/** The upstream tasks of the task being decided, as the expression sees them. */
export type RunIfTasks = Record<string, { status: string; outputs: Record<string, unknown> | null }>;

const runtime = new Environment({ limits }).registerVariable("tasks", "map").registerVariable("params", "map");

/** Evaluates an expression checked at push: true or false, or why it could not be decided (a missing output). */
export function evaluateRunIf(
  expression: string,
  tasks: RunIfTasks,
  params: Record<string, unknown>,
): { ok: true; value: boolean } | { ok: false; message: string } {
  const context = {
    tasks: Object.fromEntries(Object.entries(tasks).map(([k, t]) => [k, { status: t.status, outputs: toCel(t.outputs ?? {}) }])),
    params: toCel(params),
  };
  try {
    const value = runtime.evaluate(expression, context);
    if (typeof value !== "boolean") return { ok: false, message: `gave ${typeof value}, not true or false` };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: firstLine(err) };
  }
}

/** JSON → CEL values: whole numbers are CEL ints (BigInt), so `rows > 0` compares int with int. */
function toCel(value: unknown): unknown {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

/**
 * `tasks.extract.outputs.rows = 0, tasks.extract.status = "succeeded"`: the values the expression read, so a skipped
 * task shows why. Only paths into tasks and params, each once.
 */
export function valuesRead(expression: string, tasks: RunIfTasks, params: Record<string, unknown>): string {
  let ast: AstNode;
  try {
    ast = runtime.parse(expression).ast as AstNode;
  } catch {
    return "";
  }
  const paths = new Map<string, unknown>();
  const root = { tasks, params } as Record<string, unknown>;
  const visit = (node: AstNode) => {
    if (!node || typeof node !== "object") return;
    const chain = memberChain(node);
    if (chain && (chain[0] === "tasks" || chain[0] === "params") && chain.length >= 2) {
      let v: unknown = root;
      for (const key of chain) v = v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      if (v !== undefined && (typeof v !== "object" || v === null)) paths.set(chain.join("."), v);
      if (v !== undefined && typeof v !== "object") return;
    }
    if (Array.isArray(node.args)) for (const a of node.args) visit(a as AstNode);
  };
  visit(ast);
  return [...paths].map(([p, v]) => `${p} = ${JSON.stringify(v)}`).join(", ");
}

/** `a.b.c` as ["a", "b", "c"], or null when the node is not a plain member chain. */
function memberChain(node: AstNode): string[] | null {
  if (node.op === "id" && typeof node.args === "string") return [node.args];
  if (node.op === "." && Array.isArray(node.args) && typeof node.args[1] === "string") {
    const left = memberChain(node.args[0] as AstNode);
    return left ? [...left, node.args[1]] : null;
  }
  return null;
}
