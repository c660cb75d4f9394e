/**
 * The Run now form's parameters: one input per default param of the spec, typed after the default's
 * value, turned back into JSON values with a message per field that does not parse.
 */
export type ParamKind = "boolean" | "number" | "string" | "json";

export interface ParamField {
  name: string;
  kind: ParamKind;
  /** The spec's default, shown as a hint. */
  defaultValue: unknown;
}

export type ParamValues = Record<string, string | boolean>;

function kindOf(value: unknown): ParamKind {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  return "json";
}

export function paramFields(defaults: Record<string, unknown>): ParamField[] {
  return Object.entries(defaults).map(([name, value]) => ({ name, kind: kindOf(value), defaultValue: value }));
}

/** Inputs prefilled with the defaults: checkboxes get booleans, the rest text (JSON for objects, arrays and null). */
export function initialParamValues(fields: ParamField[]): ParamValues {
  return Object.fromEntries(
    fields.map((f) => [f.name, f.kind === "boolean" ? f.defaultValue === true : f.kind === "json" ? JSON.stringify(f.defaultValue) : String(f.defaultValue)]),
  );
}

/**
 * The params to send: only those that differ from the defaults (the run fills in the rest), plus
 * `errors` keyed `params.<name>` like the API's paths, for inputs that do not hold a value of their kind.
 */
export function paramsFromValues(fields: ParamField[], values: ParamValues): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    let value: unknown;
    if (field.kind === "boolean") value = raw === true;
    else if (field.kind === "string") value = String(raw ?? "");
    else if (field.kind === "number") {
      const text = String(raw ?? "").trim();
      value = Number(text);
      if (text === "" || !Number.isFinite(value)) {
        errors[`params.${field.name}`] = "enter a number";
        continue;
      }
    } else {
      try {
        value = JSON.parse(String(raw ?? ""));
      } catch {
        errors[`params.${field.name}`] = "enter valid JSON";
        continue;
      }
    }
    if (JSON.stringify(value) !== JSON.stringify(field.defaultValue)) params[field.name] = value;
  }
  return { params, errors };
}
