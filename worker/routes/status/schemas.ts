import { z } from "@hono/zod-openapi";
import { alertSeverities, alertStatuses } from "../../alerting/kinds";
import { productHealthStatuses } from "../../products/health";
import { Email } from "../auth/schemas";
import { timestamp } from "../shared";

export const ShareToken = z.string().min(20).max(128).openapi({ description: "The token from the status page's share link" });
export const SubscriptionToken = z.string().min(20).max(200).openapi({ description: "The token from the link in the subscription mail" });

const IncidentOut = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(alertSeverities),
  status: z.enum(alertStatuses),
  impact: z.string().nullable().openapi({ description: "What the incident means for this product, when known" }),
  started_at: timestamp,
  resolved_at: timestamp.nullable(),
  resolution: z.string().nullable(),
  notes: z.array(z.object({ at: timestamp, text: z.string() })).openapi({ description: "Updates the owners wrote, oldest first" }),
});

export const StatusPageOut = z
  .object({
    product: z.object({
      name: z.string(),
      title: z.string(),
      description: z.string(),
      owner_team: z.string().nullable(),
      tier: z.string(),
    }),
    health: z.object({ status: z.enum(productHealthStatuses), label: z.string(), needs_attention: z.boolean() }),
    sla: z
      .object({
        cron: z.string(),
        timezone: z.string(),
        max_age_minutes: z.number(),
        success_target: z.number().nullable(),
      })
      .nullable()
      .openapi({ description: "The freshness promise: at each cron time (in the time zone) the data is at most max age old; null without one" }),
    freshness: z.object({
      state: z.enum(["fresh", "late", "unknown", "no_policy"]),
      updated_at: timestamp.nullable().openapi({ description: "When the product's data was last brought up to date" }),
      deadline: timestamp.nullable(),
      next_deadline: timestamp.nullable(),
    }),
    sla_attainment: z
      .object({ deadlines: z.number().int(), met: z.number().int(), rate: z.number().nullable() })
      .nullable()
      .openapi({ description: "Freshness deadlines met over the last 30 days" }),
    open_incidents: z.array(IncidentOut),
    recent_incidents: z.array(IncidentOut).openapi({ description: "Incidents resolved in the last 30 days, newest first" }),
    history: z
      .array(
        z.object({
          day: z.string(),
          incidents: z.number().int(),
          worst: z.enum(alertSeverities).nullable(),
          missed_deadlines: z.number().int().openapi({ description: "Freshness deadlines of that day that were missed" }),
        }),
      )
      .openapi({
        description: "The last 30 days (UTC), oldest first: incidents open at some time that day, the worst severity, and missed freshness deadlines",
      }),
    generated_at: timestamp,
  })
  .openapi("StatusPage");

export const SubscribeBody = z.strictObject({ email: Email }).openapi("StatusSubscribeRequest");

export const SubscribeOut = z.object({ message: z.string() }).openapi("StatusSubscribeAnswer");

export const SubscriptionLinkBody = z.strictObject({ token: SubscriptionToken }).openapi("StatusSubscriptionLinkRequest");

export const SubscriptionLinkOut = z
  .object({ product: z.object({ title: z.string() }), status: z.enum(["confirmed", "unsubscribed"]) })
  .openapi("StatusSubscriptionLinkAnswer");
