import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import type { ProductIncident } from "../../db/repo/products/incidents";
import { notFound } from "../../lib/errors";
import { statusPage } from "../../status/page";
import { errors, isoOrNull, jsonResponse, send } from "../shared";
import { StatusPageOut, ShareToken } from "./schemas";
import { liveShare } from "./shared";

export const route = createRoute({
  method: "get",
  path: "/status/{token}",
  tags: ["status pages"],
  summary: "Public: a product's status page, for the holder of its share link",
  description:
    "No account needed: the token of a share link (created by the product's owners) is the credential. Shows the product's health, " +
    "freshness against its SLA, its incidents with the owners' notes and the last 30 days, and nothing else of the workspace. " +
    "An unknown or revoked token answers 404. Never cached (`Cache-Control: no-store`) nor indexed (`X-Robots-Tag: noindex`).",
  request: { params: z.object({ token: ShareToken }) },
  responses: { 200: jsonResponse(StatusPageOut, "The status page"), ...errors(400, 404, 429) },
});

const incidentOut = ({ alert, statement, notes }: ProductIncident) => ({
  id: alert.id,
  title: alert.title,
  severity: alert.severity,
  status: alert.status,
  impact: statement,
  started_at: new Date(alert.firstSeenAt).toISOString(),
  resolved_at: isoOrNull(alert.resolvedAt),
  resolution: alert.resolution,
  notes: notes.map((n) => ({ at: new Date(n.at).toISOString(), text: n.text })),
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { share, ctx } = await liveShare(c, c.req.valid("param").token);
    const now = c.get("clock").now();
    const page = await statusPage(ctx, share.productId, now);
    if (!page) throw notFound("status page");
    const f = page.freshness;
    return send(c, 200, StatusPageOut, {
      product: {
        name: page.product.name,
        title: page.product.title,
        description: page.product.description,
        owner_team: page.product.ownerTeam,
        tier: page.product.tier,
      },
      health: { status: page.health.status, label: page.health.label, needs_attention: page.health.needsAttention },
      sla: page.sla && {
        cron: page.sla.cron,
        timezone: page.sla.timezone,
        max_age_minutes: Math.round(page.sla.maxAgeMs / 60_000),
        success_target: page.sla.successTarget,
      },
      freshness: {
        state: f?.state ?? "no_policy",
        updated_at: isoOrNull(page.updatedAt),
        deadline: isoOrNull(f?.deadline),
        next_deadline: isoOrNull(f?.nextDeadline),
      },
      sla_attainment: page.attainment && { deadlines: page.attainment.deadlines, met: page.attainment.met, rate: page.attainment.rate },
      open_incidents: page.incidents.filter((i) => i.alert.status !== "resolved").map(incidentOut),
      recent_incidents: page.incidents.filter((i) => i.alert.status === "resolved").map(incidentOut),
      history: page.days.map((d) => ({ day: d.day, incidents: d.incidents, worst: d.worst, missed_deadlines: d.missedDeadlines })),
      generated_at: new Date(now).toISOString(),
    });
  });
}
