/** Backfills: the list, one backfill with its slots, and pause, resume, cancel or retry of its failed slots. */
import { client, data } from "./client";
import type { BackfillAction, BackfillFilter } from "./types";

export const backfillsApi = {
  list: (filter: BackfillFilter, cursor?: string, limit = 50) => data(client.GET("/backfills", { params: { query: { ...filter, cursor, limit } } })),
  get: (id: string) => data(client.GET("/backfills/{id}", { params: { path: { id } } })),
  act: (id: string, action: BackfillAction) => data(client.POST(`/backfills/{id}/${action}`, { params: { path: { id } } })),
};
