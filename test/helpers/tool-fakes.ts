import { workerFetch } from "./worker-fetch";
import { expect, inject } from "vitest";
import type { ToolFakeUrls } from "../fakes/tools";
import type { Plan, WebhookDelivery } from "../fakes/scripting";
import type { RecordedRequest } from "../fakes/http-server";
import { api, BASE, type Session } from "./api";
import { advance, fireAlarm, isTerminal, waitForRun } from "./engine";
import { drain, eventually } from "./wait";

export type Tool = keyof ToolFakeUrls;

export const fakeUrl = (tool: Tool) => inject("toolFakes")[tool];

async function control(tool: Tool, method: string, path: string, body?: unknown) {
  const res = await fetch(`${fakeUrl(tool)}/__fake/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${tool} fake ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Scripts how the fake answers for `key` (a job id, a connection id, a workflow …). */
export const fakePlan = (tool: Tool, key: string | number, plan: Plan) => control(tool, "PUT", `plans/${encodeURIComponent(String(key))}`, plan);
/** Finishes the key's newest run at the tool now, queuing its webhooks. */
export const fakeComplete = (tool: Tool, key: string | number, outcome?: string) =>
  control(tool, "POST", `complete/${encodeURIComponent(String(key))}`, { outcome });
export const fakeRelease = (tool: Tool, key: string | number, op: string) => control(tool, "POST", `release/${encodeURIComponent(String(key))}`, { op });
export const fakeOutbox = (tool: Tool, key: string | number): Promise<WebhookDelivery[]> => control(tool, "GET", `outbox/${encodeURIComponent(String(key))}`);

/** Every request the fake received whose path starts with `prefix`. */
export async function fakeRequests(tool: Tool, prefix = ""): Promise<RecordedRequest[]> {
  const all = (await (await fetch(`${fakeUrl(tool)}/__requests`)).json()) as RecordedRequest[];
  return all.filter((r) => r.path.startsWith(prefix) && !r.path.startsWith("/__fake"));
}

/** Waits (bounded) until the fake holds a request for `op` of `key`: the trigger call is in flight. */
export async function waitUntilHeld(tool: Tool, key: string | number, op: string) {
  await eventually(async () => {
    const held = (await control(tool, "GET", `held/${encodeURIComponent(String(key))}`)) as string[];
    expect(held, `${tool} fake holds ${op} for ${key}`).toContain(op);
  });
}

/** A numeric id no other test uses (dbt and Databricks job ids are integers); tests in parallel share the fakes. */
export const uniqueNumber = () => 1_000_000 + (crypto.getRandomValues(new Uint32Array(1))[0] % 2_000_000_000);

export async function createConnection(
  s: Session,
  teamId: string,
  kind: string,
  name: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
) {
  const res = await api("/connections", { as: s, body: { team_id: teamId, name, kind, config, secrets } });
  if (res.status !== 201) throw new Error(`connection ${kind}: ${res.status} ${res.text}`);
  return res.json as { id: string; name: string };
}

/** POSTs a webhook to the Worker exactly as the tool would (same bytes, same headers). */
export async function deliverWebhook(kind: string, connectionId: string, delivery: { headers: Record<string, string>; body: string }, query = "") {
  const res = await workerFetch(`${BASE}/webhooks/${kind}/${connectionId}${query}`, { method: "POST", headers: delivery.headers, body: delivery.body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export async function startRun(s: Session | string, pipeline: string, params: Record<string, unknown> = {}) {
  const res = await api(`/pipelines/${pipeline}/runs`, { as: s, body: Object.keys(params).length ? { params } : {} });
  if (res.status !== 201) throw new Error(`start ${pipeline}: ${res.status} ${res.text}`);
  return res.json as { id: string; status: string };
}

/**
 * Moves the tenant's engine clock in `stepMs` steps (each due poll goes out and is answered) until the run is
 * terminal. Bounded: fails after `maxSteps`.
 */
export async function pollToEnd(s: Session, runId: string, stepMs = 1000, maxSteps = 20) {
  for (let step = 0; ; step++) {
    await drain();
    const run = await waitForRun(s, runId, () => true);
    if (isTerminal(run)) return run;
    if (step === maxSteps) throw new Error(`run ${runId} still ${run.status} after ${maxSteps} steps of ${stepMs} ms: ${JSON.stringify(run.tasks)}`);
    await advance(s.tenant.id, stepMs);
  }
}

/** Webhook deliveries stored for the tenant (optionally for one connection). */
export async function deliveries(s: Session, query = "") {
  const res = await api(`/webhook-deliveries${query}`, { as: s });
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${res.text}`);
  return res.json.items as Array<{
    id: string;
    delivery_id: string;
    event_type: string;
    external_id: string | null;
    copies: number;
    matched: { run_id: string; task_key: string } | null;
  }>;
}

type Delivery = Awaited<ReturnType<typeof deliveries>>[number];

/**
 * Webhooks are acknowledged before they are stored (the tutti-webhooks queue does that): waits, bounded, until the
 * tenant's deliveries satisfy `predicate`, and returns them.
 */
export async function waitForDeliveries(s: Session, predicate: (items: Delivery[]) => boolean, query = ""): Promise<Delivery[]> {
  return eventually(async () => {
    const items = await deliveries(s, query);
    if (!predicate(items)) throw new Error(`webhook deliveries do not match the expectation yet: ${JSON.stringify(items, null, 1)}`);
    return items;
  });
}

/** Waits until `count` deliveries were applied to the run (the engine has them), then fires the tenant's alarm. */
export async function settleWebhooks(s: Session, runId: string, count: number) {
  await waitForDeliveries(s, (items) => items.filter((d) => d.matched?.run_id === runId).length >= count);
  await fireAlarm(s.tenant.id);
}

export async function runEvents(s: Session, runId: string) {
  const res = await api(`/runs/${runId}/events`, { as: s });
  return res.json.items as Array<{ task: string | null; from: string; to: string; reason: string }>;
}

export interface TaskView {
  key: string;
  status: string;
  attempt: number;
  external_id: string | null;
  external_url: string | null;
  error: { kind: string; message: string } | null;
  /** What the connector noted about how the task ended. */
  reason: string | null;
  /** What the connector reported when the task succeeded. */
  outputs: Record<string, unknown> | null;
}

/** The run's first task with the fields connector tests read. */
export const firstTask = (run: { tasks: unknown[] }) => run.tasks[0] as TaskView;

/** What a fake recorded of the tool-native reruns asked of `key` (dbt Cloud `reruns`, Databricks `repairs`, GitHub `reruns`). */
export async function fakeReruns<T = Record<string, unknown>>(tool: Tool, key: string | number): Promise<T[]> {
  const kind = tool === "databricks" ? "repairs" : "reruns";
  const res = await fetch(`${fakeUrl(tool)}/__fake/${kind}/${encodeURIComponent(String(key))}`);
  if (!res.ok) throw new Error(`${tool} fake ${kind}/${key}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T[];
}
