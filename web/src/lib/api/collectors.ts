/** Cost collectors per connection (tenant admins). */
import { client, data } from "./client";
import type { UpdateCollectorRequest } from "./types";

const connection = (connectionId: string) => ({ params: { path: { connection_id: connectionId } } });

export const collectorsApi = {
  list: () => data(client.GET("/collectors")),
  update: (connectionId: string, body: UpdateCollectorRequest) => data(client.PUT("/collectors/{connection_id}", { ...connection(connectionId), body })),
  /** Runs the collector's pass now (or answers with the one queued or running); 429 within a minute of the last ask. */
  collectNow: (connectionId: string) => data(client.POST("/collectors/{connection_id}/collect", connection(connectionId))),
  runs: (connectionId: string) =>
    data(client.GET("/collectors/{connection_id}/runs", { ...connection(connectionId), params: { ...connection(connectionId).params, query: { limit: 20 } } })),
};
