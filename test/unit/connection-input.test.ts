import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { ConnectionKind } from "../../worker/connectors/registry";
import { checkConfig, checkSecretFields } from "../../worker/lib/connection-input";
import { changedDestinations, destinationProblems, outboundSecretFields } from "../../worker/lib/destinations";

const kind: ConnectionKind = {
  kind: "example",
  title: "Example",
  configSchema: z.strictObject({ base_url: z.url(), retries: z.number().int().default(3), nested: z.object({ region: z.string() }).optional() }),
  secretFields: ["api_key"],
  optionalSecretFields: ["webhook_secret"],
  hostFields: { config: ["base_url"], secrets: [] },
  inboundSecretFields: ["webhook_secret"],
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

describe("connection destinations", () => {
  const slack: ConnectionKind = {
    ...kind,
    kind: "slack",
    configSchema: z.strictObject({}),
    secretFields: ["webhook_url"],
    optionalSecretFields: [],
    hostFields: { config: [], secrets: ["webhook_url"] },
    inboundSecretFields: [],
  };

  it("outside local development a plain-http host field is refused, naming the field; locally it is allowed", () => {
    expect(destinationProblems(kind, { base_url: "http://tool.example.com" }, ["api_key"], {}, "prod")).toEqual([
      { path: "config.base_url", message: "must be an https:// URL (plain http is allowed only in local development)" },
    ]);
    for (const env of ["dev", "development", "test", "e2e"])
      expect(destinationProblems(kind, { base_url: "http://127.0.0.1:9" }, ["api_key"], {}, env)).toEqual([]);
    expect(destinationProblems(kind, { base_url: "https://tool.example.com" }, ["api_key"], {}, "prod")).toEqual([]);
  });

  it("a secret that is itself the destination is checked without repeating its value", () => {
    const details = destinationProblems(slack, {}, ["webhook_url"], { webhook_url: "http://hooks.example.com/T000/SECRET" }, "prod");
    expect(details).toEqual([{ path: "secrets.webhook_url", message: expect.stringContaining("https://") }]);
    expect(JSON.stringify(details)).not.toContain("SECRET");
    expect(destinationProblems(slack, {}, ["webhook_url"], { webhook_url: "javascript:alert(1)" }, "dev")).toEqual([
      { path: "secrets.webhook_url", message: "must be an http(s) URL" },
    ]);
  });

  it("secrets that leave Tutti need a destination; an inbound signing secret does not", () => {
    expect(destinationProblems(kind, {}, ["api_key"], {}, "dev")).toEqual([
      { path: "config.base_url", message: expect.stringContaining("required while the connection has secrets (api_key)") },
    ]);
    expect(destinationProblems(kind, {}, ["webhook_secret"], {}, "dev")).toEqual([]);
    expect(outboundSecretFields(kind, ["webhook_secret", "api_key"])).toEqual(["api_key"]);
  });

  it("a move is a change of origin: another path on the same origin is not one", () => {
    expect(changedDestinations(kind, { base_url: "https://a.example.com/v1" }, { base_url: "https://a.example.com/v2" })).toEqual([]);
    expect(changedDestinations(kind, { base_url: "https://a.example.com/v1" }, { base_url: "https://a.example.com:8443/v1" })).toEqual([
      { field: "config.base_url", from: "https://a.example.com", to: "https://a.example.com:8443" },
    ]);
    expect(changedDestinations(kind, {}, { base_url: "https://b.example.com" })).toEqual([
      { field: "config.base_url", from: null, to: "https://b.example.com" },
    ]);
  });
});
