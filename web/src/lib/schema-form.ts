/**
 * Turns a connection kind's JSON Schema (`config_schema` from /connection-kinds) into form fields,
 * and form values back into the config object the API validates. Pure, so it is unit-tested.
 */

export type FieldKind = "text" | "url" | "email" | "number" | "integer" | "boolean" | "select" | "json";

export interface SchemaField {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  options: string[];
  placeholder: string;
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  title?: string;
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** Words with a fixed spelling in labels: acronyms, and brands that are always lower case. */
const fixedSpelling: Record<string, string> = {
  url: "URL",
  uri: "URI",
  id: "ID",
  api: "API",
  sql: "SQL",
  ssh: "SSH",
  ip: "IP",
  http: "HTTP",
  https: "HTTPS",
  dbt: "dbt",
};

/** `base_url` → `Base URL`, `dbt_account_id` → `dbt account ID`. */
export function humanize(name: string): string {
  return name
    .split(/[_\-\s]+/)
    .filter(Boolean)
    .map((word, i) => fixedSpelling[word.toLowerCase()] ?? (i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(" ");
}

function nonNullVariant(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  const real = variants.filter((v) => v.type !== "null");
  return real.length === 1 ? { ...real[0], description: schema.description ?? real[0].description } : schema;
}

function kindOf(schema: JsonSchema): { kind: FieldKind; options: string[] } {
  const s = nonNullVariant(schema);
  const variants = s.anyOf ?? s.oneOf;
  if (variants?.every((v) => v.const !== undefined)) {
    return { kind: "select", options: variants.map((v) => String(v.const)) };
  }
  if (Array.isArray(s.enum)) return { kind: "select", options: s.enum.map(String) };
  // Tool ids accepted as a number or a digits-only string (dbt Cloud account ids) are one number field.
  if (variants?.some((v) => v.type === "integer") && variants.every((v) => v.type === "integer" || (v.type === "string" && v.pattern === "^\\d+$"))) {
    return { kind: "integer", options: [] };
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "boolean":
      return { kind: "boolean", options: [] };
    case "integer":
      return { kind: "integer", options: [] };
    case "number":
      return { kind: "number", options: [] };
    case "string":
      if (s.format === "uri" || s.format === "url") return { kind: "url", options: [] };
      if (s.format === "email") return { kind: "email", options: [] };
      return { kind: "text", options: [] };
    default:
      // Objects, arrays and unions have no simple widget; JSON keeps them editable without guessing.
      return { kind: "json", options: [] };
  }
}

/** The fields of an object schema, required ones first, each keeping its schema order. */
export function fieldsFromSchema(schema: unknown): SchemaField[] {
  const s = (schema ?? {}) as JsonSchema;
  const required = new Set(s.required ?? []);
  const fields = Object.entries(s.properties ?? {}).map(([name, prop]): SchemaField => {
    const { kind, options } = kindOf(prop);
    const example = prop.examples?.[0] ?? prop.default;
    return {
      name,
      label: prop.title ?? humanize(name),
      kind,
      required: required.has(name),
      description: prop.description ?? nonNullVariant(prop).description ?? "",
      options,
      placeholder: example === undefined || typeof example === "object" ? (kind === "url" ? "https://" : "") : String(example),
    };
  });
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** A form's string/boolean values for a config object the API returned, for editing. */
export function valuesFromConfig(fields: SchemaField[], config: Record<string, unknown>): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const field of fields) {
    const value = config[field.name];
    if (field.kind === "boolean") values[field.name] = value === true;
    else if (value === undefined || value === null) values[field.name] = "";
    else if (field.kind === "json") values[field.name] = JSON.stringify(value, null, 2);
    else values[field.name] = String(value);
  }
  return values;
}

/**
 * Form values → config object. Empty optional fields are left out so the API applies its defaults;
 * values that cannot be converted are reported by field name instead of being sent wrong.
 */
export function configFromValues(
  fields: SchemaField[],
  values: Record<string, string | boolean | undefined>,
): { config: Record<string, unknown>; errors: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.kind === "boolean") {
      if (raw === true || field.required) config[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === "string" ? raw.trim() : "";
    if (text === "") continue;
    if (field.kind === "number" || field.kind === "integer") {
      const n = Number(text);
      if (!Number.isFinite(n) || (field.kind === "integer" && !Number.isInteger(n))) {
        errors[field.name] = field.kind === "integer" ? "must be a whole number" : "must be a number";
      } else config[field.name] = n;
    } else if (field.kind === "json") {
      try {
        config[field.name] = JSON.parse(text);
      } catch {
        errors[field.name] = "must be valid JSON";
      }
    } else config[field.name] = text;
  }
  return { config, errors };
}
