import { z } from "@hono/zod-openapi";
import { channelKinds } from "../../alerting/kinds";
import type { AlertChannel } from "../../db/repo/alerting/channels";
import { timestamp } from "../shared";

/** Pipelines name channels in `alerts.to: [channel:<name>]`, so names follow that pattern. */
export const ChannelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, _, . and - (at most 64), as pipeline specs refer to it as channel:<name>")
  .openapi({ example: "data-alerts" });

const Recipients = z.array(z.email()).min(1).max(50).openapi({ description: "E-mail channels: who receives the alerts (1–50 addresses)" });

export const ChannelOut = z
  .object({
    id: z.string().openapi({ example: "ch_3k9q0x2m4n5b6v7c8z1a" }),
    team_id: z.string(),
    name: z.string(),
    kind: z.enum(channelKinds),
    connection: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .openapi({ description: "Slack and webhook channels: the team connection holding the URL and secret" }),
    recipients: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: "Why Tutti disabled the channel (e.g. Slack says it is archived)" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("AlertChannel");

export const ChannelList = z
  .object({
    items: z.array(ChannelOut),
    email_available: z.boolean().openapi({ description: "Whether this deployment can send e-mail (a send_email binding and sender are configured)" }),
  })
  .openapi("AlertChannelList");

export const CreateChannelBody = z
  .strictObject({
    team_id: z.string().min(1).max(64),
    name: ChannelName,
    kind: z.enum(channelKinds),
    connection_id: z.string().min(1).max(64).optional().openapi({ description: "Required for slack and webhook: a connection of the same kind and team" }),
    recipients: Recipients.optional(),
  })
  .openapi("CreateAlertChannelRequest");

export const UpdateChannelBody = z
  .strictObject({
    name: ChannelName.optional(),
    connection_id: z.string().min(1).max(64).optional(),
    recipients: Recipients.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateAlertChannelRequest");

export const TestResultOut = z
  .object({
    ok: z.boolean(),
    status: z.enum(["sent", "failed", "skipped"]),
    http_status: z.number().int().nullable(),
    message: z.string(),
  })
  .openapi("AlertChannelTestResult");

export function channelOut(ch: AlertChannel, connectionNames: Map<string, string>): z.input<typeof ChannelOut> {
  return {
    id: ch.id,
    team_id: ch.teamId,
    name: ch.name,
    kind: ch.kind,
    connection: ch.connectionId ? { id: ch.connectionId, name: connectionNames.get(ch.connectionId) ?? "(deleted connection)" } : null,
    recipients: ch.recipients,
    enabled: ch.enabled,
    disabled_reason: ch.disabledReason,
    created_at: new Date(ch.createdAt).toISOString(),
    updated_at: new Date(ch.updatedAt).toISOString(),
  };
}
