/** Cost records, the explorer, settings and budgets. */
import { client, data } from "./client";
import type { CostRecordInput, CreateBudgetRequest, ExplorerQuery } from "./types";

const budget = (budgetId: string) => ({ params: { path: { id: budgetId } } });

export const costsApi = {
  ingest: (records: CostRecordInput[]) => data(client.POST("/costs", { body: { records } })),
  explorer: (query: ExplorerQuery) => data(client.GET("/costs/explorer", { params: { query } })),
  /** A link the browser downloads itself (CSV), with the explorer's filters. */
  exportUrl: (query: ExplorerQuery) =>
    `/api/v1/costs/export?${new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== ""))}`,
  settings: () => data(client.GET("/cost-settings")),
  budgets: (period?: string) => data(client.GET("/budgets", { params: { query: { period } } })),
  createBudget: (body: CreateBudgetRequest) => data(client.POST("/budgets", { body })),
  updateBudget: (budgetId: string, monthly_limit: number) => data(client.PATCH("/budgets/{id}", { ...budget(budgetId), body: { monthly_limit } })),
  removeBudget: (budgetId: string) => data(client.DELETE("/budgets/{id}", budget(budgetId))),
};
