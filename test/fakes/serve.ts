/**
 * The tool fakes on fixed ports, for `npm run demo` and manual testing beside `wrangler dev`:
 *
 *   npx tsx test/fakes/serve.ts            # every fake, runs advance one step every 2 s
 *   npx tsx test/fakes/serve.ts --step-ms 500
 *
 * Ports (test/fakes/credentials.ts demoPorts): http 8790, dbt_cloud 8791, fivetran 8792, airbyte 8793,
 * databricks 8794, snowflake 8795, github_actions 8796, bigquery 8797 (also Google's token endpoint, at /token), aws_ce 8798
 * (Cost Explorer; accounts registered with PUT /__fake/accounts/{access_key_id}), looker 8799 and powerbi 8800 (BI usage;
 * PUT /__fake/instances/{client_id} and /__fake/principals/{client_id}). Credentials: fakeCredentials in the same file.
 * Runs move on by themselves (queued → running → done, one step per interval) and each fake POSTs its signed
 * webhooks to the URL set with `pointWebhooks` (POST /__fake/deliver-to).
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { demoPorts, fakeCredentials } from "./credentials";
import { startHttpToolFake } from "./http-tool/server";
import { startToolFakes, type ToolFakeUrls } from "./tools";

export const DEFAULT_STEP_MS = 2000;

/** Starts the seven tool fakes on the demo ports; runs progress every `stepMs` without being polled. */
export async function startDemoFakes(stepMs = DEFAULT_STEP_MS) {
  const { http: _http, ...ports } = demoPorts;
  return startToolFakes({ ports, autoAdvanceMs: stepMs });
}

/**
 * Makes a fake deliver its webhooks to Tutti's receiver for a connection. Airbyte's receiver is authenticated
 * by the URL token (the connection's webhook_secret), so it is appended here.
 */
export async function pointWebhooks(tool: keyof ToolFakeUrls, fakeUrl: string, tuttiUrl: string, connectionId: string) {
  const token = tool === "airbyte" ? `?token=${encodeURIComponent(fakeCredentials.airbyte.webhook_secret)}` : "";
  const url = `${tuttiUrl.replace(/\/$/, "")}/webhooks/${tool}/${connectionId}${token}`;
  const res = await fetch(`${fakeUrl}/__fake/deliver-to`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) });
  if (!res.ok) throw new Error(`${tool} fake: deliver-to failed with ${res.status}`);
}

/** Scripts how the fake runs `key` (a dbt job id, a Fivetran connection id, a workflow file …): see each server.ts. */
export async function planFake(fakeUrl: string, key: string | number, plan: Record<string, unknown>) {
  const res = await fetch(`${fakeUrl}/__fake/plans/${encodeURIComponent(String(key))}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(plan),
  });
  if (!res.ok) throw new Error(`plan ${key}: ${res.status}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { "step-ms": { type: "string", default: String(DEFAULT_STEP_MS) } } });
  const stepMs = Number(values["step-ms"]);
  const http = await startHttpToolFake({ port: demoPorts.http });
  const tools = await startDemoFakes(stepMs);
  console.log(`http           ${http.url}`);
  for (const [tool, url] of Object.entries(tools.urls)) console.log(`${tool.padEnd(14)} ${url}`);
  console.log(`runs advance every ${stepMs} ms; Ctrl-C stops the fakes`);
  const stop = async () => {
    await Promise.all([http.close(), tools.close()]);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
