import { env } from "cloudflare:test";
import { inject } from "vitest";
import type { NotifyMessage } from "../../worker/queues/notify-messages";
import { api, type Session } from "./api";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function ok<T = any>(res: { status: number; json: any; text: string }, expected: number, what: string): T {
  if (res.status !== expected) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.json as T;
}

/** A fresh `whsec_` secret: base64 of 32 random bytes. */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export interface ReceiverState {
  attempts: Array<{ id: string | null; timestamp: string | null; verified: boolean; reason: string | null; status: number; body: any }>;
  accepted: Array<{ id: string; body: any }>;
}

/** An endpoint on the Standard Webhooks receiver fake; `secret` is what the receiver verifies with. */
export async function webhookEndpoint(opts: { secret?: string; failTimes?: number; alwaysFail?: boolean } = {}) {
  const name = unique("ep");
  const secret = opts.secret ?? newSigningSecret();
  await configureEndpoint(name, { secret, failTimes: opts.failTimes, alwaysFail: opts.alwaysFail });
  return { name, secret, url: `${inject("fakeWebhookReceiverUrl")}/hooks/${name}` };
}

export async function configureEndpoint(name: string, opts: { secret: string; failTimes?: number; alwaysFail?: boolean }) {
  const res = await fetch(`${inject("fakeWebhookReceiverUrl")}/__endpoints/${name}`, {
    method: "PUT",
    body: JSON.stringify({ secret: opts.secret, fail_times: opts.failTimes ?? 0, always_fail: opts.alwaysFail ?? false }),
  });
  if (res.status !== 204) throw new Error(`configure endpoint: ${res.status}`);
}

export async function receiverState(name: string): Promise<ReceiverState> {
  const res = await fetch(`${inject("fakeWebhookReceiverUrl")}/__endpoints/${name}`);
  return (await res.json()) as ReceiverState;
}

/** A hook path on the Slack fake, e.g. /services/T…/B…/secret. */
export function slackHook() {
  const path = `/services/T${unique("")}/B${unique("")}/${unique("s")}`;
  return { path, url: `${inject("fakeSlackUrl")}${path}` };
}

export async function slackPosts(path: string): Promise<Array<{ at: number; status: number; body: any }>> {
  const res = await fetch(`${inject("fakeSlackUrl")}/__messages?hook=${encodeURIComponent(path)}`);
  return (await res.json()) as Array<{ at: number; status: number; body: any }>;
}

export async function planSlackHook(path: string, plan: { fail_times?: number; status: number; body: string }) {
  const res = await fetch(`${inject("fakeSlackUrl")}/__hooks${path}`, { method: "PUT", body: JSON.stringify(plan) });
  if (res.status !== 204) throw new Error(`plan slack hook: ${res.status}`);
}

/** A webhook connection and an alert channel using it, in `teamId`. */
export async function webhookChannel(s: Session, teamId: string, endpoint: { url: string; secret: string }, name = unique("hook")) {
  const connection = ok(
    await api("/connections", {
      as: s,
      body: { team_id: teamId, name: unique("wh-"), kind: "webhook", config: { url: endpoint.url }, secrets: { signing_secret: endpoint.secret } },
    }),
    201,
    "webhook connection",
  );
  return ok(await api("/alert-channels", { as: s, body: { team_id: teamId, name, kind: "webhook", connection_id: connection.id } }), 201, "webhook channel");
}

export async function slackChannel(s: Session, teamId: string, hookUrl: string, name = unique("slack")) {
  const connection = ok(
    await api("/connections", { as: s, body: { team_id: teamId, name: unique("sl-"), kind: "slack", config: {}, secrets: { webhook_url: hookUrl } } }),
    201,
    "slack connection",
  );
  return ok(await api("/alert-channels", { as: s, body: { team_id: teamId, name, kind: "slack", connection_id: connection.id } }), 201, "slack channel");
}

export async function listAlerts(s: Session | string, query = ""): Promise<any[]> {
  return ok(await api(`/alerts${query ? `?${query}` : ""}`, { as: s }), 200, "list alerts").items;
}

export async function alertDetail(s: Session | string, id: string): Promise<any> {
  return ok(await api(`/alerts/${id}`, { as: s }), 200, "alert detail");
}

/** Sends a message to the notify queue as another part of Tutti would (budgets, quality). */
export async function sendNotify(message: NotifyMessage) {
  await env.NOTIFY.send(message);
}

/** A team budget crossing as worker/db/repo/costs/budgets.ts sends it. */
export function budgetSignal(tenantId: string, teamId: string, threshold: 80 | 100, period: string, amount: number, limit = 1000) {
  return {
    type: "budget.threshold_crossed" as const,
    tenantId,
    budgetId: `bud_${teamId}`,
    scope: "team" as const,
    scopeId: teamId,
    scopeName: "Platform",
    ownerTeamId: teamId,
    threshold,
    period,
    amount,
    currency: "USD",
    limit,
    at: Date.now(),
  };
}

export const opened = (state: ReceiverState) => state.accepted.filter((a) => a.body.type === "alert.opened");
