import type { TenantCtx } from "../db/client";
import type { AlertChannel } from "../db/repo/alerting/channels";
import { openChannelConnection } from "../db/repo/connections/channel-secrets";
import type { Env } from "../env";
import { ConnectorError, parseRetryAfter } from "../connectors/http-errors";
import { redactor, watchedFetch } from "../connectors/redact";
import { fetchWithSecret } from "../connectors/secret-fetch";
import { originOf } from "../lib/urls";
import { loadKeyRing } from "../lib/envelope";
import { emailMessage } from "./email-message";
import { slackMessage } from "./slack-message";
import type { DeliverySnapshot } from "./snapshot";
import { InvalidSigningSecret, signedHeaders } from "./standard-webhooks";
import { webhookPayload } from "./webhook-payload";

/**
 * One attempt to deliver a notification to a channel. Never throws for a receiver's failure: the result says whether
 * to retry, give up (and whether the destination is gone, so the channel is disabled), or that this deployment cannot
 * send it at all (no e-mail binding). Messages never contain the secret URL or signing secret.
 */

export type SendResult =
  | { outcome: "sent"; status: number | null }
  | { outcome: "retry"; status: number | null; error: string; retryAfterMs?: number }
  | { outcome: "fail"; status: number | null; error: string; disable?: string }
  | { outcome: "skip"; error: string };

const REQUEST_TIMEOUT_MS = 15_000;
/** Receivers' error text kept in a delivery's error. */
const MAX_ERROR_TEXT = 200;

/**
 * POSTs to a receiver through fetchWithSecret: the request and any redirect stay on the destination's own origin (a
 * redirect elsewhere is not followed), and the receiver's answer comes back with every secret it could echo (the
 * secret URL, signature headers) taken out and cut short.
 */
async function post(
  url: string,
  secrets: Record<string, string>,
  headers: Record<string, string>,
  body: string,
): Promise<{ res: Response; text: string } | SendResult> {
  const origin = originOf(url);
  if (!origin) return { outcome: "fail", status: null, error: "the destination is not an http(s) URL; fix the connection" };
  const { fetch: watched, redactor } = watchedFetch((input, init) => fetch(input, init), secrets);
  try {
    const res = await fetchWithSecret(watched, origin, url, { method: "POST", headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { res, text: redactor.clean(await res.text().catch(() => "")).slice(0, MAX_ERROR_TEXT) };
  } catch (err) {
    const message = redactor.clean(err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_TEXT);
    if (err instanceof ConnectorError) return { outcome: "fail", status: null, error: message };
    return { outcome: "retry", status: null, error: `could not reach the receiver: ${message}` };
  }
}

/** Slack answers in plain text (CONTRACTS.md §9): 200 ok; 404 channel_not_found and 410 channel_is_archived mean the channel is gone. */
export async function postToSlack(url: string, snapshot: DeliverySnapshot, appUrl: string | undefined): Promise<SendResult> {
  const answer = await post(url, { webhook_url: url }, { "content-type": "application/json" }, JSON.stringify(slackMessage(snapshot, appUrl)));
  if ("outcome" in answer) return answer;
  const { res, text } = answer;
  if (res.ok) return { outcome: "sent", status: res.status };
  const error = `Slack answered HTTP ${res.status}${text ? `: ${text}` : ""}`;
  if (res.status === 429) return { outcome: "retry", status: res.status, error, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
  if (res.status === 404 || res.status === 410)
    return { outcome: "fail", status: res.status, error, disable: `Slack says the channel is gone (${text || res.status}); fix the webhook URL and re-enable` };
  if (res.status >= 400 && res.status < 500) return { outcome: "fail", status: res.status, error };
  return { outcome: "retry", status: res.status, error };
}

/** Standard Webhooks: any 2xx is accepted; 410 Gone means the endpoint asks to be removed; everything else is retried. */
export async function postWebhook(url: string, secret: string, id: string, body: string, nowMs: number): Promise<SendResult> {
  let headers: Record<string, string>;
  try {
    headers = await signedHeaders(secret, id, Math.floor(nowMs / 1000), body);
  } catch (err) {
    if (err instanceof InvalidSigningSecret) return { outcome: "fail", status: null, error: err.message };
    throw err;
  }
  const answer = await post(url, { signing_secret: secret }, { "content-type": "application/json", "user-agent": "Tutti-Webhooks/1.0", ...headers }, body);
  if ("outcome" in answer) return answer;
  const { res, text } = answer;
  if (res.ok) return { outcome: "sent", status: res.status };
  const error = `the receiver answered HTTP ${res.status}${text ? `: ${text}` : ""}`;
  if (res.status === 410)
    return { outcome: "fail", status: res.status, error, disable: "the receiver answered 410 Gone; re-enable the channel once it accepts alerts again" };
  if (res.status === 429) return { outcome: "retry", status: res.status, error, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
  return { outcome: "retry", status: res.status, error };
}

export const EMAIL_NOT_CONFIGURED =
  "e-mail is not configured on this deployment: add a send_email binding named EMAIL and set ALERT_EMAIL_FROM (see docs/alerting.md)";

export async function sendEmail(env: Env, recipients: string[], snapshot: DeliverySnapshot): Promise<SendResult> {
  if (!env.EMAIL || !env.ALERT_EMAIL_FROM) return { outcome: "skip", error: EMAIL_NOT_CONFIGURED };
  if (!recipients.length) return { outcome: "fail", status: null, error: "the channel has no recipients" };
  const content = emailMessage(snapshot, env.APP_URL);
  try {
    await env.EMAIL.send({ from: env.ALERT_EMAIL_FROM, to: recipients.slice(0, 50), subject: content.subject, text: content.text, html: content.html });
    return { outcome: "sent", status: null };
  } catch (err) {
    return {
      outcome: "retry",
      status: null,
      error: `the e-mail binding refused the message: ${redactor()
        .clean(err instanceof Error ? err.message : String(err))
        .slice(0, MAX_ERROR_TEXT)}`,
    };
  }
}

/** Sends one snapshot to one channel; `id` is the delivery id (the webhook-id). */
export async function sendToChannel(
  env: Env,
  ctx: TenantCtx,
  channel: AlertChannel,
  snapshot: DeliverySnapshot,
  id: string,
  now: number,
  test = false,
): Promise<SendResult> {
  if (channel.kind === "email") return sendEmail(env, channel.recipients, snapshot);
  if (!channel.connectionId) return { outcome: "fail", status: null, error: "the channel has no connection" };
  const connection = await openChannelConnection(ctx, await loadKeyRing(env.TUTTI_MASTER_KEY), channel.teamId, channel.connectionId, now);
  if (!connection || connection.kind !== channel.kind)
    return { outcome: "fail", status: null, error: "the channel's connection was deleted or changed kind; pick another connection" };
  if (channel.kind === "slack") {
    const url = connection.secrets.webhook_url;
    if (!url) return { outcome: "fail", status: null, error: "the Slack connection has no webhook_url" };
    return postToSlack(url, snapshot, env.APP_URL);
  }
  const url = String(connection.config.url ?? "");
  const secret = connection.secrets.signing_secret;
  if (!url || !secret) return { outcome: "fail", status: null, error: "the webhook connection needs a url and a signing_secret" };
  return postWebhook(url, secret, id, webhookPayload(snapshot, id, env.APP_URL, test), now);
}
