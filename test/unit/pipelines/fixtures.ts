import { z } from "@hono/zod-openapi";
import type { SpecDeps } from "../../../worker/pipelines";

/** Test-only connectors: one that needs a connection (like a SaaS tool) and one that needs none. */
const tool = {
  kind: "tool",
  title: "Test tool",
  withSchema: z.strictObject({ job_id: z.number().int(), mode: z.enum(["full", "incremental"]).default("incremental") }),
  configSchema: z.strictObject({ base_url: z.url() }),
  secretFields: ["api_key"] as const,
  outputs: { rows: { type: "int" as const, description: "rows" }, run_id: { type: "string" as const, description: "run id" } },
};
const plain = {
  kind: "plain",
  title: "Plain call",
  withSchema: z.strictObject({ url: z.url(), method: z.enum(["GET", "POST"]).default("GET") }),
  configSchema: z.strictObject({ base_url: z.url().optional() }),
  secretFields: [] as const,
  outputs: {},
};

export const testConnectors = [tool, plain];

export const testDeps: SpecDeps = {
  connectorFor: (kind) => testConnectors.find((c) => c.kind === kind),
  connectorKinds: () => testConnectors.map((c) => c.kind),
};

/** A valid three-task spec; tests change one thing at a time. */
export function baseSpec(): any {
  return {
    name: "daily_revenue",
    team: "analytics",
    schedule: { cron: "0 6 * * 1-5", timezone: "Europe/London" },
    tasks: [
      { id: "extract", connector: "tool", connection: "tool_prod", with: { job_id: 1 } },
      { id: "transform", connector: "tool", connection: "tool_prod", with: { job_id: 2 }, depends_on: ["extract"] },
      { id: "notify", connector: "plain", with: { url: "https://example.com/hook" }, depends_on: ["transform"], run_if: "all_done" },
    ],
  };
}
