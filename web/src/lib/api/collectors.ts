/** Cost collectors per connection (tenant admins). */
import { client, data } from "./client";
import type { UpdateCollectorRequest } from "./types";

const connection = (connectionId: string) => ({ params: { path: { connection_id: connectionId } } });

export const collectorsApi = {
  list: () => data(client.GET("/collectors")),
  update: (connectionId: string, body: UpdateCollectorRequest) => data(client.PUT("/collectors/{connection_id}", { ...connection(connectionId), body })),
  runs: (connectionId: string) =>
    data(client.GET("/collectors/{connection_id}/runs", { ...connection(connectionId), params: { ...connection(connectionId).params, query: { limit: 20 } } })),
};
