import { describe, expect, it } from "vitest";
import { specJsonSchema } from "../../../worker/pipelines";
import { testConnectors } from "./fixtures";

describe("specJsonSchema", () => {
  const schema = specJsonSchema(testConnectors) as any;
  const task = schema.properties.tasks.items;

  it("describes the spec as users write it (durations as text, defaults shown)", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(expect.arrayContaining(["name", "team", "tasks"]));
    expect(schema.additionalProperties).toBe(false);
    expect(task.properties.timeout.type).toBe("string");
    expect(task.properties.timeout.pattern).toBeDefined();
    expect(task.properties.run_if).toMatchObject({
      type: "string",
      default: "all_success",
      examples: expect.arrayContaining(["all_success", "all_done", "any_failed"]),
    });
    expect(schema.properties.concurrency.properties.on_conflict.enum).toEqual(["queue", "skip", "cancel_previous"]);
  });

  it("lists the known connectors and checks each one's `with` through if/then", () => {
    expect(task.properties.connector.enum).toEqual(["plain", "tool"]);
    const toolRule = task.allOf.find((r: any) => r.if.properties.connector.const === "tool");
    expect(toolRule.then.properties.with.properties.job_id.type).toBe("integer");
    expect(toolRule.then.properties.with.additionalProperties).toBe(false);
  });

  it("is plain JSON (serialises and parses back to the same thing)", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

describe("docs/pipeline.schema.json", () => {
  it("matches what the code generates (run `npm run schema` after changing the spec or a connector)", async () => {
    const { shippedSpecJsonSchema } = await import("../../../worker/pipelines/registry-deps");
    const committed = (await import("../../../docs/pipeline.schema.json")).default;
    expect(committed).toEqual(shippedSpecJsonSchema());
  });
});
