import { z } from "@hono/zod-openapi";
import { alertKinds, alertSeverities, alertStatuses } from "./kinds";
import { eventType, linksFor, type DeliverySnapshot } from "./snapshot";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const Team = z.object({ id: z.string(), slug: z.string(), name: z.string() });

/**
 * The JSON body of Tutti's outgoing alert webhooks (documented in docs/alerting.md). Thin on purpose: the dashboard
 * link has the rest. Parsed through this schema before signing, so the documentation cannot drift from what is sent.
 */
export const WebhookPayload = z.object({
  type: z.enum(["alert.opened", "alert.escalated", "alert.resolved", "alert.test"]),
  timestamp: z.string(),
  data: z.object({
    delivery_id: z.string(),
    escalation_level: z.number().int(),
    alert: z.object({
      id: z.string(),
      url: z.string().nullable(),
      kind: z.enum(alertKinds),
      severity: z.enum(alertSeverities),
      status: z.enum(alertStatuses),
      title: z.string(),
      summary: z.string(),
      dedupe_key: z.string(),
      occurrences: z.number().int(),
      first_seen_at: z.string(),
      last_seen_at: z.string(),
      resolved_at: z.string().nullable(),
      resolution: z.string().nullable(),
      subject: z.object({ type: z.string(), id: z.string(), name: z.string() }),
      owner_team: Team.nullable(),
      pipeline: z.object({ id: z.string(), name: z.string() }).nullable(),
      run: z.object({ id: z.string(), url: z.string().nullable() }).nullable(),
      impacted_products: z.array(z.object({ name: z.string(), owner_team: Team.nullable(), impact: z.string() })),
      details: z.record(z.string(), z.unknown()),
    }),
    recipient: z.object({ team: Team, role: z.enum(["owner", "downstream", "named"]) }),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** Receivers should cope with bodies up to this size; details are dropped before an alert grows past it. */
export const MAX_WEBHOOK_BYTES = 20_000;

export function webhookPayload(snapshot: DeliverySnapshot, deliveryId: string, appUrl: string | undefined, test = false): string {
  const links = linksFor(appUrl, snapshot);
  const a = snapshot.alert;
  const payload: WebhookPayload = WebhookPayload.parse({
    type: test ? "alert.test" : eventType(snapshot.transition),
    timestamp: new Date(snapshot.at).toISOString(),
    data: {
      delivery_id: deliveryId,
      escalation_level: snapshot.escalationLevel,
      alert: {
        id: a.id,
        url: links.alert,
        kind: a.kind,
        severity: a.severity,
        status: a.status,
        title: a.title,
        summary: a.summary,
        dedupe_key: a.dedupeKey,
        occurrences: a.occurrences,
        first_seen_at: iso(a.firstSeenAt),
        last_seen_at: iso(a.lastSeenAt),
        resolved_at: iso(a.resolvedAt),
        resolution: a.resolution,
        subject: a.subject,
        owner_team: a.ownerTeam,
        pipeline: a.pipeline,
        run: a.runId ? { id: a.runId, url: links.run } : null,
        impacted_products: a.impacts.map((i) => ({ name: i.product, owner_team: i.ownerTeam, impact: i.statement })),
        details: a.details,
      },
      recipient: snapshot.recipient,
    },
  });
  const body = JSON.stringify(payload);
  if (body.length <= MAX_WEBHOOK_BYTES) return body;
  // Details (error messages of many tasks) are what grows; the link leads to all of them.
  payload.data.alert.details = { truncated: true };
  payload.data.alert.impacted_products = payload.data.alert.impacted_products.slice(0, 20);
  return JSON.stringify(payload);
}
