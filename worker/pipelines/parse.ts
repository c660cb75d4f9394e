import { LineCounter, parseAllDocuments } from "yaml";
import { lineColumn, locateJsonError } from "./json-error";

/**
 * Spec text → plain object. Pure and free of Worker APIs: the CLI uses it too, to report syntax
 * errors with file positions before anything is sent.
 */

export const specFormats = ["yaml", "json"] as const;
export type SpecFormat = (typeof specFormats)[number];

export interface SpecSyntaxError {
  /** 1-based; 0 when the parser could not tell. */
  line: number;
  column: number;
  message: string;
}

export type ParseResult = { ok: true; value: unknown; format: SpecFormat } | { ok: false; format: SpecFormat; errors: SpecSyntaxError[] };

/** JSON when the text starts with `{`, else YAML (which also reads most JSON). */
export function detectFormat(text: string): SpecFormat {
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

/** Format from a file name; undefined when the extension says nothing. */
export function formatFromFileName(name: string): SpecFormat | undefined {
  if (/\.json$/i.test(name)) return "json";
  if (/\.ya?ml$/i.test(name)) return "yaml";
  return undefined;
}

export function parseSpecText(text: string, format: SpecFormat = detectFormat(text)): ParseResult {
  return format === "json" ? parseJson(text) : parseYaml(text);
}

function parseYaml(text: string): ParseResult {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `on`, `yes` and `08:00` stay strings; duplicate keys are errors.
  // resolveKnownTags off: `!!binary` and friends would otherwise produce non-JSON values.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: "1.2", resolveKnownTags: false });
  if (!Array.isArray(docs)) return { ok: false, format: "yaml", errors: [{ line: 1, column: 1, message: "empty document" }] };
  const errors: SpecSyntaxError[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      const at = lineCounter.linePos(err.pos[0]);
      errors.push({ line: at.line, column: at.col, message: firstLine(err.message) });
    }
  }
  if (errors.length) return { ok: false, format: "yaml", errors };
  if (docs.length === 0) return { ok: false, format: "yaml", errors: [{ line: 1, column: 1, message: "empty document" }] };
  if (docs.length > 1) {
    const second = docs[1].range[0];
    const at = lineCounter.linePos(second);
    return { ok: false, format: "yaml", errors: [{ line: at.line, column: at.col, message: "one pipeline per file: found a second YAML document" }] };
  }
  try {
    // Alias expansion is bounded so a "billion laughs" document cannot blow up memory.
    return { ok: true, format: "yaml", value: docs[0].toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, format: "yaml", errors: [{ line: 0, column: 0, message: (err as Error).message }] };
  }
}

function parseJson(text: string): ParseResult {
  try {
    return { ok: true, format: "json", value: JSON.parse(text) };
  } catch (err) {
    const located = locateJsonError(text);
    if (located) return { ok: false, format: "json", errors: [{ ...lineColumn(text, located.offset), message: located.message }] };
    // The scanner accepts what JSON.parse refused: keep V8's words, minus its quote of the input (long, maybe secret).
    const message = (err as Error).message.replace(/, "[\s\S]*" is not valid JSON$/, "");
    return { ok: false, format: "json", errors: [{ line: 0, column: 0, message }] };
  }
}

const firstLine = (s: string) => s.split("\n")[0];

/** "line 3, column 5: message" — one wording for the API and the CLI. */
export function formatSyntaxError(e: SpecSyntaxError): string {
  return e.line ? `line ${e.line}, column ${e.column}: ${e.message}` : e.message;
}
