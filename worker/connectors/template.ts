import { readPath } from "./json-path";

/**
 * `{{run_id}}`, `{{params.day}}`, `{{response.id}}`: values from a flat-or-nested variables object.
 * Unknown names render empty so a typo shows up in the tool's error, not as a crash here.
 */
export function render(template: string, vars: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.$[\]'-]+)\s*\}\}/g, (_, name: string) => {
    const v = readPath(vars, name.startsWith("$") ? name : `$.${name}`);
    if (v === undefined || v === null) return "";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  });
}

/** Renders every string inside a JSON value. */
export function renderDeep(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === "string") return render(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  return value;
}
