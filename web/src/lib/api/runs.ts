/** Runs: lists, one run with its tasks, its event log, and cancel or retry. */
import { client, data } from "./client";
import type { RunFilter } from "./types";

const run = (runId: string) => ({ params: { path: { id: runId } } });

export const runsApi = {
  list: (filter: RunFilter, cursor?: string, limit = 50) => data(client.GET("/runs", { params: { query: { ...filter, cursor, limit } } })),
  /** With `wait`, the server holds the request until the run ends or `wait` seconds pass. */
  get: (runId: string, wait?: number, signal?: AbortSignal) => data(client.GET("/runs/{id}", { params: { path: { id: runId }, query: { wait } }, signal })),
  /** Events after `after`; with `wait`, held until there is one or the run has ended. */
  events: (runId: string, after: number, wait?: number, signal?: AbortSignal) =>
    data(client.GET("/runs/{id}/events", { params: { path: { id: runId }, query: { after, wait, limit: 1000 } }, signal })),
  cancel: (runId: string) => data(client.POST("/runs/{id}/cancel", run(runId))),
  retry: (runId: string) => data(client.POST("/runs/{id}/retry", run(runId))),
};
