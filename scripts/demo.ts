/**
 * `npm run demo`: Tutti on http://localhost:8787 with a demo tenant whose pipelines run against fake
 * tools started beside it (a generic job tool and contract-faithful fakes of Fivetran, dbt Cloud, GitHub Actions…,
 * ports in test/fakes/credentials.ts), so a newcomer sees runs, retries and a failure within a minute.
 * Everything in the demo tenant is sample data and is labelled so.
 *
 *   npm run demo                 # start Tutti + fakes, seed (idempotent), keep running
 *   npm run demo -- --port 9000
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { startDemoFakes } from "../test/fakes/serve";
import { repoRoot, waitUntil } from "../test/e2e/helpers/processes";
import { DemoClient } from "./demo/client";
import { seedConnectorsDemo } from "./demo/connectors";
import { seedEngineDemo } from "./demo/engine";
import { seedProducts } from "./demo/products";

const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "8787" }, "tool-port": { type: "string", default: "8790" } } });
const baseUrl = `http://localhost:${values.port}`;

const tool = await startHttpToolFake({ port: Number(values["tool-port"]) });
const fakes = await startDemoFakes();
console.log(
  `▸ Fake job tool on ${tool.url}; fake Fivetran, dbt Cloud, GitHub Actions, Airbyte, Databricks, Snowflake on ${Object.values(fakes.urls).join(", ")}`,
);
const closeFakes = () => Promise.all([tool.close(), fakes.close()]);

const server = spawn(process.execPath, [join(repoRoot, "scripts/start.mjs"), "--port", values.port], { cwd: repoRoot, stdio: "inherit" });
const stop = async () => {
  server.kill("SIGTERM");
  await closeFakes();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", async (code) => {
  await closeFakes();
  process.exit(code ?? 1);
});

await waitUntil(async () => (await fetch(`${baseUrl}/api/v1/health`)).ok, { timeoutMs: 300_000, what: `Tutti on ${baseUrl}` });
const client = await DemoClient.signInOrSignUp(baseUrl);
const seeded = await seedEngineDemo(client, { toolUrl: tool.url });
const crossTool = await seedConnectorsDemo(client, { tuttiUrl: baseUrl, fakes: fakes.urls });
const products = await seedProducts(client);

console.log(`
┌──────────────────────────────────────────────────────────────────────┐
  Tutti demo is running: ${baseUrl}
  Sign in as ${DemoClient.email} / ${DemoClient.password}
  Tenant "${DemoClient.tenantName}" holds sample data only.
  Pipelines: ${[...seeded.pipelines, crossTool.pipeline].join(", ")}
  ${crossTool.pipeline}: Fivetran → dbt Cloud → GitHub Actions on their fakes, webhooks signed.
  Runs started: ${seeded.runs.length + 1} — open Runs to watch them (a retry and a failure included).
  orders_quality runs whenever RAW.ORDERS is updated (a dataset trigger): see its Triggers card.
  Data products: ${products.products.join(", ")} — 60 days of sample cost, usage and value on Overview.
  Ctrl-C stops Tutti and the fake tools.
└──────────────────────────────────────────────────────────────────────┘
`);
