import type { z } from "@hono/zod-openapi";
import type { TenantCtx } from "../../db/client";
import { listChannels } from "../../db/repo/alerting/channels";
import { deliveriesOf } from "../../db/repo/alerting/deliveries";
import { eventsOf, type Alert } from "../../db/repo/alerting/alerts";
import { presentation } from "./load";
import { alertOut, deliveryOut, eventOut, type AlertDetailOut } from "./schemas";

/** The full view of one alert: fields, impact, timeline and every delivery with its channel. */
export async function alertDetail(ctx: TenantCtx, alert: Alert): Promise<z.input<typeof AlertDetailOut>> {
  const [view, events, deliveries] = await Promise.all([presentation(ctx, [alert]), eventsOf(ctx, alert.id), deliveriesOf(ctx, alert.id)]);
  const teamIds = [...new Set(deliveries.map((d) => d.teamId))];
  const channels = new Map((await listChannels(ctx, teamIds)).map((ch) => [ch.id, { id: ch.id, name: ch.name, kind: ch.kind }]));
  return { ...alertOut(alert, view), details: alert.details, timeline: events.map(eventOut), deliveries: deliveries.map((d) => deliveryOut(d, channels)) };
}
