/**
 * Completion of a YAML pipeline spec from the JSON Schema the API publishes (GET /pipelines/schema.json, generated
 * from the zod schemas it validates with). Pure: the CodeMirror adapter (codemirror.ts) asks it what fits at the
 * cursor. The path to the cursor is read from indentation, not from a parse, because the line being typed is
 * usually not valid YAML yet. Inside a flow collection (`{ … }`, `[ … ]`, also over several lines) the block path to
 * where it opens is read the same way, and the collection itself is scanned up to the cursor (flowAt).
 */

import { type FlowFrame, flowAt } from "./yaml-flow";

export type JsonSchema = { [key: string]: unknown };

export interface CompletionOption {
  label: string;
  /** What is inserted: `key: ` for a key, the value itself for a value. */
  apply: string;
  detail?: string;
  info?: string;
}

export interface CompletionAnswer {
  /** Offset where the replaced word starts. */
  from: number;
  options: CompletionOption[];
}

/** One step of the path from the document's root to the cursor: a key, or an item of a list. */
interface Step {
  key: string | null;
  /** Line index (0-based) where the step was found. */
  line: number;
  /** Column (0-based) of the key, or of the item's dash. */
  col: number;
}

interface LineTokens {
  indent: number;
  /** Columns of the `- ` item markers at the start of the line. */
  dashes: number[];
  key: string | null;
  keyCol: number;
  value: string;
}

/** A line's leading item markers and its `key:` if it has one; null for blank and comment lines. */
function tokens(line: string): LineTokens | null {
  const indent = line.length - line.trimStart().length;
  if (line.trim() === "" || line.trimStart().startsWith("#")) return null;
  const dashes: number[] = [];
  let i = indent;
  while (line[i] === "-" && (line[i + 1] === " " || i + 1 === line.length)) {
    dashes.push(i);
    i += 1;
    while (line[i] === " ") i++;
  }
  const m = /^([A-Za-z0-9_$"'][^:#]*?)\s*:(\s|$)(.*)$/.exec(line.slice(i));
  const key = m ? m[1].replace(/^["']|["']$/g, "") : null;
  return { indent, dashes, key, keyCol: i, value: m ? m[3].trim() : line.slice(i).trim() };
}

/** The steps from the root to a position whose own key (or dash) starts at `col` on line `lineIndex`. */
function stepsTo(lines: string[], lineIndex: number, col: number): Step[] {
  const steps: Step[] = [];
  let threshold = col;
  for (let i = lineIndex - 1; i >= 0 && threshold > 0; i--) {
    const t = tokens(lines[i]);
    if (!t || t.indent >= threshold) continue;
    if (t.key !== null && t.keyCol < threshold) {
      steps.push({ key: t.key, line: i, col: t.keyCol });
      threshold = t.keyCol;
    }
    for (let d = t.dashes.length - 1; d >= 0; d--) {
      if (t.dashes[d] < threshold) {
        steps.push({ key: null, line: i, col: t.dashes[d] });
        threshold = t.dashes[d];
      }
    }
  }
  return steps.reverse();
}

/**
 * The `key: value` pairs of the mapping whose keys sit at `keyCol` and which starts on line `start` (an item's dash
 * line, or the line after its parent key): to know what a task's `connector` is, and which keys are already there.
 */
function mappingAt(lines: string[], start: number, keyCol: number, parentCol: number): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = start; i < lines.length; i++) {
    const t = tokens(lines[i]);
    if (!t) continue;
    if (i > start && t.indent <= parentCol) break;
    if (t.key !== null && t.keyCol === keyCol) out.set(t.key, t.value.replace(/\s+#.*$/, "").replace(/^["']|["']$/g, ""));
  }
  return out;
}

// ---- the schema ----

function deref(schema: unknown, root: JsonSchema): JsonSchema | null {
  if (typeof schema !== "object" || schema === null) return null;
  const s = schema as JsonSchema;
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/$defs/")) return deref((root.$defs as JsonSchema)?.[s.$ref.slice(8)], root);
  return s;
}

/** Does an `if` (only the `properties: {x: {const}}` and `required` forms the API emits) hold for these values? */
function holds(condition: JsonSchema, values: Map<string, string> | null): boolean {
  if (!values) return false;
  for (const key of (condition.required as string[] | undefined) ?? []) if (!values.has(key)) return false;
  for (const [key, rule] of Object.entries((condition.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    if ("const" in rule && values.get(key) !== String(rule.const)) return false;
  }
  return true;
}

/** The schema and the alternatives it allows (anyOf, oneOf, allOf, and the `then` of each `if` that holds). */
function variants(schema: unknown, root: JsonSchema, values: Map<string, string> | null): JsonSchema[] {
  const s = deref(schema, root);
  if (!s) return [];
  const out = [s];
  for (const k of ["anyOf", "oneOf", "allOf"] as const) {
    for (const sub of (s[k] as unknown[] | undefined) ?? []) {
      const d = deref(sub, root);
      if (d?.if && d.then) {
        if (holds(d.if as JsonSchema, values)) out.push(...variants(d.then, root, values));
      } else out.push(...variants(sub, root, values));
    }
  }
  return out;
}

function childSchemas(schemas: JsonSchema[], step: string | null): JsonSchema[] {
  return schemas.flatMap((s) => {
    if (step === null) return s.items ? [s.items as JsonSchema] : [];
    const props = s.properties as Record<string, unknown> | undefined;
    return props && step in props ? [props[step] as JsonSchema] : [];
  });
}

/** One step down: the schemas of `key` (null: a list's item), with the alternatives the values of that mapping allow. */
function descend(current: JsonSchema[], key: string | null, values: Map<string, string> | null, root: JsonSchema): JsonSchema[] {
  return childSchemas(current, key).flatMap((s) => variants(s, root, values));
}

/** The schemas at the end of `steps`, the values of each mapping on the way read from the text for `if`s. */
function schemasAt(steps: Step[], lines: string[], root: JsonSchema): JsonSchema[] {
  let current = variants(root, root, null);
  steps.forEach((step, index) => {
    // The mapping this step's schema describes, for the `if`s on its fields (a task's `connector` picks its `with`).
    const after = steps[index + 1];
    const values = after ? mappingAt(lines, step.key === null ? step.line : step.line + 1, after.col, step.col) : null;
    current = descend(current, step.key, step.key === null ? itemValues(lines, step) : values, root);
  });
  return current;
}

/** The keys and values of the mapping that is a list item (its first key may share the dash's line). */
function itemValues(lines: string[], item: Step): Map<string, string> {
  const t = tokens(lines[item.line]);
  const keyCol = t && t.key !== null ? t.keyCol : item.col + 2;
  return mappingAt(lines, item.line, keyCol, item.col);
}

const describe = (s: JsonSchema) => (typeof s.description === "string" ? s.description : undefined);

function typeLabel(s: JsonSchema[]): string | undefined {
  const types = [...new Set(s.flatMap((v) => (typeof v.type === "string" ? [v.type] : v.enum ? ["enum"] : [])))];
  return types.length ? types.join(" | ") : undefined;
}

// ---- flow style ----

/**
 * Completion inside a flow collection: the block path to the line where the outermost one opens (`key: [` or
 * `- {`), then one step per open bracket. Searches up to 50 lines up for that line.
 */
function completeFlow(text: string, lines: string[], lineIndex: number, offset: number, root: JsonSchema): CompletionAnswer | null | undefined {
  let found: { line: number; frames: FlowFrame[]; t: LineTokens } | undefined;
  let lineStartOffset = text.lastIndexOf("\n", offset - 1) + 1;
  for (let i = lineIndex; i >= 0 && i > lineIndex - 50; i--) {
    const t = tokens(lines[i]);
    // A block line whose value (`key: [`) or item (`- {`) starts a flow collection.
    const opensAt = !t
      ? -1
      : t.key !== null
        ? /^[[{]/.test(t.value)
          ? lines[i].indexOf(t.value, t.keyCol + t.key.length)
          : -1
        : /^[[{]/.test(lines[i].slice(t.keyCol))
          ? t.keyCol
          : -1;
    if (t && opensAt >= 0) {
      const frames = flowAt(text, lineStartOffset + opensAt, offset);
      if (frames) found = { line: i, frames, t };
    }
    lineStartOffset = text.lastIndexOf("\n", lineStartOffset - 2) + 1;
  }
  if (!found) return undefined;
  const { line, frames, t } = found;
  const dashSteps = t.dashes.map((col) => ({ key: null, line, col }));
  const outer = stepsTo(lines, line, t.dashes.length ? t.dashes[0] : t.keyCol);
  const blockSteps = [...outer, ...dashSteps, ...(t.key !== null ? [{ key: t.key, line, col: t.keyCol }] : [])];
  let schemas = schemasAt(blockSteps, lines, root);
  // Into each frame: the first is the collection the block path ends at; each next one is an item of a list or
  // the value of its parent map's key.
  for (let f = 0; f < frames.length; f++) {
    const values = frames[f].kind === "map" ? frames[f].values : null;
    if (f === 0) schemas = schemas.flatMap((s) => variants(s, root, values));
    else schemas = descend(schemas, frames[f - 1].kind === "seq" ? null : frames[f - 1].key, values, root);
  }
  const top = frames.at(-1)!;
  const entry = text.slice(top.entryStart, offset);
  if (top.kind === "map" && top.key === null) {
    const typed = /^\s*([A-Za-z0-9_$.-]*)$/.exec(entry);
    return typed ? keyOptions(schemas, top.values, typed[1], offset, root) : null;
  }
  const typed = /([A-Za-z0-9_$.-]*)$/.exec(entry)![1];
  const valueSchemas = top.kind === "map" ? descend(schemas, top.key, null, root) : descend(schemas, null, null, root);
  if (!/^\s*(?:[A-Za-z0-9_$.-]+\s*:\s*)?[A-Za-z0-9_$.-]*$/.test(entry)) return null;
  return valueOptions(valueSchemas, typed, offset);
}

/** The keys the schemas allow that are not written yet (the one being typed excepted). */
function keyOptions(schemas: JsonSchema[], present: Map<string, string>, typed: string, offset: number, root: JsonSchema): CompletionAnswer | null {
  const seen = new Set<string>();
  const options: CompletionOption[] = [];
  for (const s of schemas) {
    for (const [key, sub] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) {
      if (seen.has(key) || (present.has(key) && key !== typed) || key === "$schema") continue;
      seen.add(key);
      const subs = variants(sub, root, null);
      options.push({ label: key, apply: `${key}: `, detail: typeLabel(subs), info: subs.map(describe).find(Boolean) });
    }
  }
  return options.length ? { from: offset - typed.length, options } : null;
}

/** The values the schemas allow: enums, consts, booleans and a free-form field's documented examples. */
function valueOptions(schemas: JsonSchema[], typed: string, offset: number): CompletionAnswer | null {
  const values = new Set<string>();
  for (const s of schemas) {
    for (const v of (s.enum as unknown[] | undefined) ?? []) values.add(String(v));
    if ("const" in s) values.add(String(s.const));
    // A free-form field's documented examples (run_if: its keywords beside CEL expressions).
    for (const v of (s.examples as unknown[] | undefined) ?? []) if (typeof v === "string" || typeof v === "number") values.add(String(v));
    if (s.type === "boolean") ["true", "false"].forEach((v) => values.add(v));
  }
  const options = [...values].map((v) => ({ label: v, apply: v }));
  return options.length ? { from: offset - typed.length, options } : null;
}

/** What may be typed at `offset` in `text`: keys of the mapping the cursor is in, or the values a key allows. */
export function completeSpec(text: string, offset: number, root: JsonSchema): CompletionAnswer | null {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineIndex = text.slice(0, lineStart).split("\n").length - 1;
  const before = text.slice(lineStart, offset);
  const lines = text.split("\n");
  const flow = completeFlow(text, lines, lineIndex, offset, root);
  if (flow !== undefined) return flow;
  if (/[{}[\]#"']/.test(before)) return null;

  const keyMatch = /^(\s*)((?:-\s+)*)([A-Za-z0-9_$.-]*)$/.exec(before);
  if (keyMatch) {
    const indent = keyMatch[1].length;
    const dashText = keyMatch[2];
    const keyCol = indent + dashText.length;
    const dashCols = [...dashText.matchAll(/-/g)].map((m) => indent + (m.index ?? 0));
    const outer = stepsTo(lines, lineIndex, dashCols.length ? dashCols[0] : keyCol);
    const steps = [...outer, ...dashCols.map((col) => ({ key: null, line: lineIndex, col }))];
    const schemas = schemasAt(steps, lines, root);
    const last = steps.at(-1);
    const present = last === undefined ? mappingAt(lines, 0, keyCol, -1) : mappingAt(lines, last.key === null ? last.line : last.line + 1, keyCol, last.col);
    return keyOptions(schemas, present, keyMatch[3], offset, root);
  }

  const valueMatch = /^(\s*)((?:-\s+)*)([A-Za-z0-9_$.-]+):\s+([^\s]*)$/.exec(before);
  if (valueMatch) {
    const indent = valueMatch[1].length;
    const dashText = valueMatch[2];
    const keyCol = indent + dashText.length;
    const dashCols = [...dashText.matchAll(/-/g)].map((m) => indent + (m.index ?? 0));
    const outer = stepsTo(lines, lineIndex, dashCols.length ? dashCols[0] : keyCol);
    const steps = [...outer, ...dashCols.map((col) => ({ key: null, line: lineIndex, col })), { key: valueMatch[3], line: lineIndex, col: keyCol }];
    return valueOptions(schemasAt(steps, lines, root), valueMatch[4], offset);
  }
  return null;
}
