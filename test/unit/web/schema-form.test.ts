import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { configFromValues, fieldsFromSchema, humanize, valuesFromConfig } from "../../../web/src/lib/schema-form";

// The same conversion GET /connection-kinds applies to a kind's config schema.
const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const configSchema = z.strictObject({
  label: z.string().max(80).optional(),
  base_url: z.url().describe("Your region's API host"),
  account_id: z.string(),
  retries: z.number().int().min(0).default(3),
  mode: z.enum(["full", "incremental"]),
  verify_tls: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  job_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
});

describe("connection config form fields", () => {
  const fields = fieldsFromSchema(schemaOf(configSchema));

  it("lists required fields first, each with a widget that fits its type", () => {
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["base_url", "url", true],
      ["account_id", "text", true],
      ["mode", "select", true],
      ["label", "text", false],
      ["retries", "integer", false],
      ["verify_tls", "boolean", false],
      ["headers", "json", false],
      ["job_id", "integer", false],
    ]);
  });

  it("keeps descriptions, enum options and defaults as placeholders", () => {
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.base_url.description).toBe("Your region's API host");
    expect(byName.base_url.label).toBe("Base URL");
    expect(byName.mode.options).toEqual(["full", "incremental"]);
    expect(byName.retries.placeholder).toBe("3");
  });

  it("turns form values into a config the same schema accepts, leaving empty optional fields out", () => {
    const { config, errors } = configFromValues(fields, {
      base_url: " https://api.example.com ",
      account_id: "42",
      mode: "full",
      label: "",
      retries: "5",
      verify_tls: false,
      headers: '{"x-team":"data"}',
    });
    expect(errors).toEqual({});
    expect(config).toEqual({ base_url: "https://api.example.com", account_id: "42", mode: "full", retries: 5, headers: { "x-team": "data" } });
    expect(configSchema.safeParse(config).success).toBe(true);
  });

  it("reports values it cannot convert by field instead of sending them", () => {
    const { errors, config } = configFromValues(fields, { retries: "2.5", headers: "{not json" });
    expect(errors).toEqual({ retries: "must be a whole number", headers: "must be valid JSON" });
    expect(config).toEqual({});
  });

  it("round-trips a stored config through the form", () => {
    const stored = { base_url: "https://api.example.com", account_id: "42", mode: "incremental", retries: 3, verify_tls: true, headers: { a: "b" } };
    const values = valuesFromConfig(fields, stored);
    expect(values.verify_tls).toBe(true);
    expect(values.label).toBe("");
    expect(configFromValues(fields, values).config).toEqual(stored);
  });

  it("has no fields for a kind without config", () => {
    expect(fieldsFromSchema(schemaOf(z.strictObject({})))).toEqual([]);
    expect(fieldsFromSchema(undefined)).toEqual([]);
  });

  it("humanizes names with their acronyms", () => {
    expect(humanize("webhook_url")).toBe("Webhook URL");
    expect(humanize("dbt_account_id")).toBe("dbt account ID");
    expect(humanize("signing_secret")).toBe("Signing secret");
  });
});
