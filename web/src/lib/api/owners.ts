/** Who owns each pipeline, dataset and product, and who depends on it. */
import { client, data } from "./client";
import type { OwnedType } from "./types";

export const ownersApi = {
  list: (type: OwnedType, filter: { q?: string; team_id?: string }, cursor?: string) =>
    data(client.GET("/owners", { params: { query: { type, ...filter, cursor, limit: 50 } } })),
  get: (type: OwnedType, thingId: string) => data(client.GET("/owners/{type}/{id}", { params: { path: { type, id: thingId } } })),
};
