import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listCapturedMail } from "../../db/repo/platform/dev-outbox";
import { ApiError } from "../../lib/errors";
import { mailMode } from "../../mail/send";
import { errors, jsonResponse, send, timestamp } from "../shared";

const CapturedMail = z
  .object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), created_at: timestamp })
  .openapi("CapturedMail");

const CapturedMailList = z.object({ items: z.array(CapturedMail) }).openapi("CapturedMailList");

const Query = z.object({
  to: z.string().trim().toLowerCase().max(320).optional().openapi({ description: "Only mails to this address" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const route = createRoute({
  method: "get",
  path: "/dev/mail",
  tags: ["system"],
  summary: "Local development only: the mails Tutti captured instead of sending, newest first",
  description:
    "Exists only where mail is captured (TUTTI_ENV dev, development, test or e2e, and MAIL_MODE not `send`); " +
    "everywhere else it answers 404. The dashboard's dev mailbox (/dev/mail) shows these.",
  request: { query: Query },
  responses: { 200: jsonResponse(CapturedMailList, "Captured mails"), ...errors(400, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    // The same answer as a route that does not exist.
    if (mailMode(c.env) !== "capture") throw new ApiError("not_found", "no such API route");
    const q = c.req.valid("query");
    const rows = await listCapturedMail(c.get("controlDb"), { to: q.to, limit: q.limit });
    return send(c, 200, CapturedMailList, {
      items: rows.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, created_at: new Date(m.createdAt).toISOString() })),
    });
  });
}
