import { z } from "@hono/zod-openapi";
import type { ConnectorDefinition } from "../connectors/types";
import { RawSpec } from "./spec";

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema (draft 2020-12) of the spec as users write it, for editors (VS Code YAML, JetBrains).
 * Each known connector's `with` schema is attached through if/then on `connector`, so editors
 * complete and check connector settings too.
 */
export function specJsonSchema(connectors: ReadonlyArray<Pick<ConnectorDefinition, "kind" | "title" | "withSchema">>): JsonSchema {
  const schema = z.toJSONSchema(RawSpec, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  const task = ((schema.properties as JsonSchema).tasks as JsonSchema).items as JsonSchema;
  const taskProps = task.properties as JsonSchema;
  const kinds = connectors.map((c) => c.kind).sort();
  if (kinds.length) taskProps.connector = { ...(taskProps.connector as JsonSchema), enum: kinds };
  task.allOf = connectors.map((c) => {
    const withSchema = hoistDefs(schema, c.kind, z.toJSONSchema(c.withSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema);
    delete withSchema.$schema;
    return {
      if: { properties: { connector: { const: c.kind } }, required: ["connector"] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: { properties: { with: { ...withSchema, description: `Settings of the ${c.title} connector` } } },
    };
  });
  if (!(task.allOf as unknown[]).length) delete task.allOf;
  return schema;
}

/** Moves a sub-schema's `$defs` to the root under `<kind>__<name>` and rewrites its `$ref`s, which resolve against the root. */
function hoistDefs(root: JsonSchema, kind: string, sub: JsonSchema): JsonSchema {
  const defs = sub.$defs as Record<string, JsonSchema> | undefined;
  if (!defs) return sub;
  delete sub.$defs;
  const rename = (name: string) => `${kind}__${name}`;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/") ? `#/$defs/${rename(v.slice(8))}` : rewrite(v),
      ]),
    );
  };
  root.$defs ??= {};
  const rootDefs = root.$defs as Record<string, unknown>;
  for (const [name, def] of Object.entries(defs)) rootDefs[rename(name)] = rewrite(def);
  return rewrite(sub) as JsonSchema;
}
