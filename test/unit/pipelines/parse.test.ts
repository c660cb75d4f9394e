import { describe, expect, it } from "vitest";
import { detectFormat, formatFromFileName, formatSyntaxError, parseSpecText } from "../../../worker/pipelines";

/** The errors of a parse that must fail; a successful parse fails the test. */
function errorsOf(r: ReturnType<typeof parseSpecText>) {
  if (r.ok) throw new Error(`expected a parse error, got ${JSON.stringify(r.value)}`);
  return r.errors;
}

describe("parseSpecText", () => {
  it("reads YAML 1.2: `on`, `yes` and 08:00 stay strings", () => {
    const r = parseSpecText("triggers: [{ after: up, on: success }]\nsla: { finish_by: 08:00 }\nparams: { flag: yes }\n");
    expect(r).toEqual({
      ok: true,
      format: "yaml",
      value: { triggers: [{ after: "up", on: "success" }], sla: { finish_by: "08:00" }, params: { flag: "yes" } },
    });
  });

  it("reports YAML syntax errors with line and column", () => {
    const [first] = errorsOf(parseSpecText("name: a\ntasks:\n  - id: x\n    with: { a: 1\n"));
    expect(first.line).toBeGreaterThanOrEqual(4);
    expect(first.column).toBeGreaterThan(0);
  });

  it("refuses duplicate keys, pointing at the second", () => {
    const r = parseSpecText("name: a\nteam: x\nname: b\n");
    expect(r).toEqual({ ok: false, format: "yaml", errors: [{ line: 3, column: 1, message: "Map keys must be unique" }] });
  });

  it("refuses a second YAML document and empty input", () => {
    expect(parseSpecText("name: a\n---\nname: b\n")).toMatchObject({ ok: false, errors: [{ line: 2, message: /one pipeline per file/ }] });
    expect(parseSpecText("")).toMatchObject({ ok: false, errors: [{ message: "empty document" }] });
  });

  it("keeps YAML tags from producing non-JSON values", () => {
    expect(parseSpecText("a: !!binary aGVsbG8=\n")).toEqual({ ok: true, format: "yaml", value: { a: "aGVsbG8=" } });
  });

  it("bounds alias expansion (billion laughs)", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) lines.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
    expect(parseSpecText(lines.join("\n"))).toEqual({
      ok: false,
      format: "yaml",
      errors: [{ line: 0, column: 0, message: "Excessive alias count indicates a resource exhaustion attack" }],
    });
  });

  it("reports JSON syntax errors with line and column, without quoting the input", () => {
    expect(errorsOf(parseSpecText('{\n  "name": "a",\n  "team": }\n', "json"))).toEqual([{ line: 3, column: 11, message: 'expected a value, found "}"' }]);
  });

  it("detects the format from the text and from file names", () => {
    expect(detectFormat('  {"a": 1}')).toBe("json");
    expect(detectFormat("a: 1")).toBe("yaml");
    expect(formatFromFileName("specs/daily.JSON")).toBe("json");
    expect(formatFromFileName("daily.yml")).toBe("yaml");
    expect(formatFromFileName("daily.txt")).toBeUndefined();
    expect(formatSyntaxError({ line: 3, column: 5, message: "bad" })).toBe("line 3, column 5: bad");
  });
});
