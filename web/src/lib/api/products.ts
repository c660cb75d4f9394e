/** Data products and their scorecards. */
import { client, data } from "./client";
import type { CreateProductRequest, PutUnusedPolicy, Query, UpdateProductRequest } from "./types";

const product = (idOrName: string) => ({ params: { path: { id: idOrName } } });

export const productsApi = {
  list: (cursor?: string) => data(client.GET("/products", { params: { query: { cursor, limit: 200 } } })),
  get: (idOrName: string) => data(client.GET("/products/{id}", product(idOrName))),
  create: (body: CreateProductRequest) => data(client.POST("/products", { body })),
  update: (productId: string, body: UpdateProductRequest) => data(client.PATCH("/products/{id}", { ...product(productId), body })),
  remove: (productId: string) => data(client.DELETE("/products/{id}", product(productId))),
  ranking: (query: Query<"/scorecard"> = {}) => data(client.GET("/scorecard", { params: { query } })),
  scorecard: (productId: string, query: Query<"/products/{id}/scorecard"> = {}) =>
    data(client.GET("/products/{id}/scorecard", { params: { path: { id: productId }, query } })),
  unusedPolicy: (productId: string) => data(client.GET("/products/{id}/unused-policy", product(productId))),
  setUnusedPolicy: (productId: string, body: PutUnusedPolicy) => data(client.PUT("/products/{id}/unused-policy", { ...product(productId), body })),
  keepRunning: (productId: string) => data(client.POST("/products/{id}/unused-actions/keep", product(productId))),
  undoUnused: (productId: string) => data(client.POST("/products/{id}/unused-actions/undo", product(productId))),
  lineage: (productId: string) => data(client.GET("/products/{id}/lineage", { params: { path: { id: productId }, query: { upstream_depth: 4 } } })),
};
