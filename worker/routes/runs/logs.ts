import { createRoute, z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import type { Router } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { getRun } from "../../db/repo/runs/runs";
import { getTaskLog, listTaskLogs, type TaskLogRow } from "../../db/repo/runs/task-logs";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { downloadAttemptLog, readAttemptLog } from "../../logs/read";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";

/** What is known about one attempt's stored tool log. */
const TaskLogInfo = z
  .object({
    task: z.string(),
    attempt: z.number().int(),
    source: z.string().openapi({ description: "The tool that wrote it (connector kind)" }),
    size: z.number().int().openapi({ description: "Bytes of the log so far, the part not kept included" }),
    dropped_bytes: z.number().int().openapi({ description: "Bytes at the head of a log over the size cap that are not kept (the tail is)" }),
    truncated: z.boolean(),
    complete: z.boolean().openapi({ description: "Fetched after the attempt ended: nothing more will be added" }),
    fetched_at: timestamp,
  })
  .openapi("TaskLogInfo");

const TaskLogList = z.object({ items: z.array(TaskLogInfo) }).openapi("TaskLogList");

const TaskLogChunk = TaskLogInfo.extend({
  offset: z.number().int().openapi({ description: "Where `content` starts in the log (bytes)" }),
  content: z.string(),
  next_after: z.number().int().openapi({ description: "Pass as `after` to read on (follow while the attempt runs)" }),
}).openapi("TaskLogChunk");

const info = (row: TaskLogRow): z.input<typeof TaskLogInfo> => ({
  task: row.taskKey,
  attempt: row.attempt,
  source: row.source,
  size: row.droppedBytes + row.bytes,
  dropped_bytes: row.droppedBytes,
  truncated: row.droppedBytes > 0,
  complete: row.complete,
  fetched_at: new Date(row.fetchedAt).toISOString(),
});

const RunParam = z.object({ id: z.string().min(1).max(64) });
const AttemptParams = RunParam.extend({ task: z.string().min(1).max(64), attempt: z.coerce.number().int().min(1).max(1000) });

export const listRoute = createRoute({
  method: "get",
  path: "/runs/{id}/logs",
  tags: ["runs"],
  summary: "The tools' own logs stored for the run's task attempts (what each one holds, not the text)",
  security: bearerSecurity,
  request: { params: RunParam },
  responses: { 200: jsonResponse(TaskLogList, "Stored task logs"), ...errors(401, 403, 404) },
});

/** One read's most content: a page of a followed log; `…/log/download` streams the whole of it. */
const READ_MAX_BYTES = 256 * 1024;

export const readRoute = createRoute({
  method: "get",
  path: "/runs/{id}/tasks/{task}/attempts/{attempt}/log",
  tags: ["runs"],
  summary: "A task attempt's tool log from byte `after` on; read again from `next_after` to follow it while the attempt runs",
  security: bearerSecurity,
  request: {
    params: AttemptParams,
    query: z.object({
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(READ_MAX_BYTES)
        .default(READ_MAX_BYTES)
        .openapi({ description: "Most bytes of content returned (at most 256 KiB a read; the download has the whole log)" }),
    }),
  },
  responses: { 200: jsonResponse(TaskLogChunk, "Part of the log"), ...errors(400, 401, 403, 404) },
});

export const downloadRoute = createRoute({
  method: "get",
  path: "/runs/{id}/tasks/{task}/attempts/{attempt}/log/download",
  tags: ["runs"],
  summary: "A task attempt's stored tool log as a text file",
  security: bearerSecurity,
  request: { params: AttemptParams },
  responses: {
    200: {
      description: "The log as stored; when its head was not kept, a first line says so",
      content: { "text/plain": { schema: z.string() } },
    },
    ...errors(400, 401, 403, 404),
  },
});

/** The attempt's log row, after the run is found in this tenant: another tenant's run is not found. */
async function attemptLog(ctx: TenantCtx, p: z.infer<typeof AttemptParams>): Promise<TaskLogRow> {
  if (!(await getRun(ctx, p.id))) throw notFound("run");
  const row = await getTaskLog(ctx, { runId: p.id, taskKey: p.task, attempt: p.attempt });
  if (!row) throw notFound(`log of task "${p.task}" attempt ${p.attempt} (none stored yet, or the tool has none)`);
  return row;
}

export function register(app: Router) {
  app.openapi(listRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { id } = c.req.valid("param");
    if (!(await getRun(ctx, id))) throw notFound("run");
    return send(c, 200, TaskLogList, { items: (await listTaskLogs(ctx, id)).map(info) });
  });

  app.openapi(readRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const row = await attemptLog(ctx, c.req.valid("param"));
    const q = c.req.valid("query");
    const chunk = await readAttemptLog(ctx, c.env.BLOBS, row, q.after, q.limit);
    return send(c, 200, TaskLogChunk, { ...info(row), offset: chunk.offset, content: chunk.content, next_after: chunk.nextAfter });
  });

  app.openapi(downloadRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const params = c.req.valid("param");
    const row = await attemptLog(ctx, params);
    const safeTask = params.task.replace(/[^A-Za-z0-9_.-]/g, "_");
    // Streamed as stored; the route's typing expects a text body, which a stream of that text is.
    const body = c.body(await downloadAttemptLog(ctx, c.env.BLOBS, row), 200, {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="${params.id}-${safeTask}-attempt${params.attempt}.log"`,
      "cache-control": "no-store",
    });
    return body as unknown as TypedResponse<string, 200, "text">;
  });
}
