import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { ConnectionKind } from "../../worker/connectors/registry";
import { checkConfig, checkSecretFields } from "../../worker/lib/connection-input";

const kind: ConnectionKind = {
  kind: "example",
  title: "Example",
  configSchema: z.strictObject({ base_url: z.url(), retries: z.number().int().default(3), nested: z.object({ region: z.string() }).optional() }),
  secretFields: ["api_key"],
  optionalSecretFields: ["webhook_secret"],
};

describe("connection config", () => {
  it("valid config comes back parsed, with defaults applied", () => {
    expect(checkConfig(kind, { base_url: "https://x.example" })).toEqual({ config: { base_url: "https://x.example", retries: 3 }, details: [] });
  });

  it("errors are reported under config.<path>, unknown keys one by one", () => {
    const { details } = checkConfig(kind, { base_url: "nope", nested: { region: 5 }, extra: true });
    expect(details.map((d) => d.path).sort()).toEqual(["config.base_url", "config.extra", "config.nested.region"]);
  });

  it("a config that is not an object is an error at config", () => {
    expect(checkConfig(kind, "x").details.map((d) => d.path)).toEqual(["config"]);
  });
});

describe("connection secret fields", () => {
  it("creation needs every required field and accepts optional ones", () => {
    expect(checkSecretFields(kind, { api_key: "k", webhook_secret: "w" }, true)).toEqual([]);
    expect(checkSecretFields(kind, { webhook_secret: "w" }, true)).toEqual([{ path: "secrets.api_key", message: "required" }]);
  });

  it("rotation may send any known subset", () => {
    expect(checkSecretFields(kind, { webhook_secret: "w" }, false)).toEqual([]);
  });

  it("unknown fields are named, and no message contains a value", () => {
    const details = checkSecretFields(kind, { api_key: "s3cr3t-value", token: "another-s3cr3t" }, true);
    expect(details.map((d) => d.path)).toEqual(["secrets.token"]);
    expect(JSON.stringify(details)).not.toMatch(/s3cr3t/);
  });
});
