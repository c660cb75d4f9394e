/** Runs: lists, one run with its tasks, its event log, its tasks' tool logs, and cancel or retry. */
import { client, data } from "./client";
import type { Query, RunFilter } from "./types";

const run = (runId: string) => ({ params: { path: { id: runId } } });

export const runsApi = {
  list: (filter: RunFilter, cursor?: string, limit = 50) => data(client.GET("/runs", { params: { query: { ...filter, cursor, limit } } })),
  /** Every pipeline's runs queued or going in the window ending now (the server's now, `to`), newest first. */
  timeline: (filter: RunFilter, window: Query<"/runs/timeline">["window"]) => data(client.GET("/runs/timeline", { params: { query: { ...filter, window } } })),
  /** With `wait`, the server holds the request until the run ends or `wait` seconds pass. */
  get: (runId: string, wait?: number, signal?: AbortSignal) => data(client.GET("/runs/{id}", { params: { path: { id: runId }, query: { wait } }, signal })),
  /** Events after `after`; with `wait`, held until there is one or the run has ended. */
  events: (runId: string, after: number, wait?: number, signal?: AbortSignal) =>
    data(client.GET("/runs/{id}/events", { params: { path: { id: runId }, query: { after, wait, limit: 1000 } }, signal })),
  /** Part of a task attempt's tool log from byte `after` on. */
  log: (runId: string, task: string, attempt: number, after: number, signal?: AbortSignal) =>
    data(client.GET("/runs/{id}/tasks/{task}/attempts/{attempt}/log", { params: { path: { id: runId, task, attempt }, query: { after } }, signal })),
  /** Where the browser downloads an attempt's log (same-origin, with the session cookie). */
  logDownloadUrl: (runId: string, task: string, attempt: number) =>
    `/api/v1/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(task)}/attempts/${attempt}/log/download`,
  cancel: (runId: string) => data(client.POST("/runs/{id}/cancel", run(runId))),
  retry: (runId: string) => data(client.POST("/runs/{id}/retry", run(runId))),
};
