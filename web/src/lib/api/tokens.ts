/** Team API tokens. */
import { client, data } from "./client";
import type { CreateTokenRequest } from "./types";

export const tokensApi = {
  list: (cursor?: string) => data(client.GET("/tokens", { params: { query: { cursor, limit: 100 } } })),
  create: (body: CreateTokenRequest) => data(client.POST("/tokens", { body })),
  revoke: (tokenId: string) => data(client.DELETE("/tokens/{id}", { params: { path: { id: tokenId } } })),
};
