/** Connections to the data tools, their kinds and the webhook deliveries they received. */
import { client, data } from "./client";
import type { CreateConnectionRequest, UpdateConnectionRequest } from "./types";

const connection = (connectionId: string) => ({ params: { path: { id: connectionId } } });

export const connectionsApi = {
  kinds: () => data(client.GET("/connection-kinds")),
  list: (teamId?: string, cursor?: string) => data(client.GET("/connections", { params: { query: { team_id: teamId, cursor, limit: 100 } } })),
  get: (connectionId: string) => data(client.GET("/connections/{id}", connection(connectionId))),
  create: (body: CreateConnectionRequest) => data(client.POST("/connections", { body })),
  /** `secrets`: only with a config change that moves a host field to another origin (the API then requires them). */
  update: (connectionId: string, body: UpdateConnectionRequest) => data(client.PATCH("/connections/{id}", { ...connection(connectionId), body })),
  test: (connectionId: string) => data(client.POST("/connections/{id}/test", connection(connectionId))),
  deliveries: (connectionId: string) => data(client.GET("/webhook-deliveries", { params: { query: { connection_id: connectionId, limit: 20 } } })),
  delivery: (deliveryId: string) => data(client.GET("/webhook-deliveries/{id}", { params: { path: { id: deliveryId } } })),
  rotate: (connectionId: string, secrets: Record<string, string>) =>
    data(client.POST("/connections/{id}/rotate", { ...connection(connectionId), body: { secrets } })),
  remove: (connectionId: string) => data(client.DELETE("/connections/{id}", connection(connectionId))),
};
