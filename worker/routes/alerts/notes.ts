import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { addNote } from "../../db/repo/alerting/alert-writes";
import { getAlert, impactsOf } from "../../db/repo/alerting/alerts";
import { auditSource } from "../../lib/request";
import { notifyNote } from "../../status/notify";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { alertDetail } from "./detail";
import { actorOf, loadAlert, requireAlertWrite } from "./load";
import { AlertDetailOut } from "./schemas";

const NoteBody = z.strictObject({ text: z.string().trim().min(1).max(4000) }).openapi("AlertNoteRequest");

export const route = createRoute({
  method: "post",
  path: "/alerts/{id}/notes",
  tags: ["alerts"],
  summary: "Add a note to an alert's timeline; it is sent to the status-page subscribers of the products the alert concerns",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(NoteBody) },
  responses: { 201: jsonResponse(AlertDetailOut, "The alert with the note on its timeline"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, alert } = await loadAlert(c, c.req.valid("param").id);
    requireAlertWrite(p, alert, await impactsOf(ctx, [alert.id]));
    const source = auditSource(c);
    const text = c.req.valid("json").text;
    const eventId = await addNote(ctx, source, actorOf(p), alert, text);
    await notifyNote(c.env, ctx, alert, { eventId, at: source.now, text });
    return send(c, 201, AlertDetailOut, await alertDetail(ctx, (await getAlert(ctx, alert.id))!));
  });
}
