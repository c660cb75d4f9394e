import { z } from "@hono/zod-openapi";
import { alertKinds, alertSeverities } from "../../alerting/kinds";
import type { AlertRule } from "../../db/repo/alerting/rules";
import { isValidTimezone } from "../../pipelines/cron";
import { formatMs } from "../../pipelines/spec";
import { timestamp } from "../shared";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day "HH:MM" (24-hour)');

const QuietHours = z
  .strictObject({
    start: hhmm.openapi({ example: "22:00" }),
    end: hhmm.openapi({ example: "07:00" }),
    timezone: z.string().refine(isValidTimezone, "an IANA timezone such as Europe/London").default("UTC"),
  })
  .openapi({ description: "Non-critical notifications are held until the end of this window (it may span midnight); critical ones go out at once" });

const Names = z.array(z.string().min(1).max(64)).max(50);

const ruleFields = {
  name: z.string().trim().min(1).max(80),
  enabled: z.boolean(),
  kinds: z.array(z.enum(alertKinds)).max(alertKinds.length).openapi({ description: "Alert kinds this rule matches; empty matches every kind" }),
  min_severity: z.enum(alertSeverities),
  pipelines: Names.openapi({ description: "Pipeline names; empty matches any" }),
  products: Names.openapi({ description: "Product names the alert is about, impacts or is fed by; empty matches any" }),
  tags: Names.openapi({ description: "Dataset tags of the subject or of what is downstream; empty matches any" }),
  channel_ids: z.array(z.string().min(1).max(64)).min(1).max(20).openapi({ description: "Channels of the same team" }),
  quiet_hours: QuietHours.nullable(),
  escalate_after: z.string().max(32).nullable().openapi({
    example: "30m",
    description: "Re-notify while nobody acknowledged it, this long after it opened and again after each interval (up to 3 times); null: never",
  }),
  escalate_channel_ids: z.array(z.string().min(1).max(64)).max(20).openapi({ description: "Channels for re-notifications; empty means the rule's channels" }),
};

export const CreateRuleBody = z
  .strictObject({
    team_id: z.string().min(1).max(64),
    name: ruleFields.name,
    enabled: ruleFields.enabled.default(true),
    kinds: ruleFields.kinds.default([]),
    min_severity: ruleFields.min_severity.default("warning"),
    pipelines: ruleFields.pipelines.default([]),
    products: ruleFields.products.default([]),
    tags: ruleFields.tags.default([]),
    channel_ids: ruleFields.channel_ids,
    quiet_hours: ruleFields.quiet_hours.default(null),
    escalate_after: ruleFields.escalate_after.default(null),
    escalate_channel_ids: ruleFields.escalate_channel_ids.default([]),
  })
  .openapi("CreateAlertRuleRequest");

export const UpdateRuleBody = z
  .strictObject({
    name: ruleFields.name.optional(),
    enabled: ruleFields.enabled.optional(),
    kinds: ruleFields.kinds.optional(),
    min_severity: ruleFields.min_severity.optional(),
    pipelines: ruleFields.pipelines.optional(),
    products: ruleFields.products.optional(),
    tags: ruleFields.tags.optional(),
    channel_ids: ruleFields.channel_ids.optional(),
    quiet_hours: ruleFields.quiet_hours.optional(),
    escalate_after: ruleFields.escalate_after.optional(),
    escalate_channel_ids: ruleFields.escalate_channel_ids.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateAlertRuleRequest");

export const RuleOut = z
  .object({
    id: z.string().openapi({ example: "rule_3k9q0x2m4n5b6v7c8z1a" }),
    team_id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    kinds: z.array(z.enum(alertKinds)),
    min_severity: z.enum(alertSeverities),
    pipelines: z.array(z.string()),
    products: z.array(z.string()),
    tags: z.array(z.string()),
    channel_ids: z.array(z.string()),
    quiet_hours: z.object({ start: z.string(), end: z.string(), timezone: z.string() }).nullable(),
    escalate_after: z.string().nullable(),
    escalate_after_ms: z.number().int().nullable(),
    escalate_channel_ids: z.array(z.string()),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("AlertRule");

export const RuleList = z.object({ items: z.array(RuleOut) }).openapi("AlertRuleList");

export function ruleOut(r: AlertRule): z.input<typeof RuleOut> {
  return {
    id: r.id,
    team_id: r.teamId,
    name: r.name,
    enabled: r.enabled,
    kinds: r.kinds,
    min_severity: r.minSeverity,
    pipelines: r.pipelines,
    products: r.products,
    tags: r.tags,
    channel_ids: r.channelIds,
    quiet_hours: r.quietHours,
    escalate_after: r.escalateAfterMs === null ? null : formatMs(r.escalateAfterMs),
    escalate_after_ms: r.escalateAfterMs,
    escalate_channel_ids: r.escalateChannelIds,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}
