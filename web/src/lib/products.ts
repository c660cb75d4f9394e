/**
 * Data products, costs, usage and budgets through the dashboard's one API client; types and pure helpers come
 * from product-model.ts and are re-exported, so pages import one module.
 */
import { request } from "./api";
import type { LineageEdge, LineageNode } from "./lineage";
import type {
  CostSettings,
  Budget,
  CsvCostRecord,
  DatasetChoice,
  Explorer,
  ExplorerQuery,
  Product,
  ProductInput,
  Ranking,
  ScorecardDetail,
} from "./product-model";
import type { Page } from "./types";

export * from "./product-model";

type Query = Record<string, string | number | undefined | null>;
const id = encodeURIComponent;
const get = <T>(path: string, query?: Query) => request<T>("GET", path, { query });

export const productsApi = {
  searchDatasets: (q: string) => get<Page<DatasetChoice>>("/datasets", { q, limit: 8 }),
  list: (cursor?: string | null) => get<Page<Product>>("/products", { cursor, limit: 200 }),
  get: (idOrName: string) => get<Product>(`/products/${id(idOrName)}`),
  create: (body: ProductInput) => request<Product>("POST", "/products", { body }),
  update: (productId: string, body: ProductInput) => request<Product>("PATCH", `/products/${id(productId)}`, { body }),
  remove: (productId: string) => request<unknown>("DELETE", `/products/${id(productId)}`),
  ranking: (query: { period?: string; owner_team_id?: string } = {}) => get<Ranking>("/scorecard", query),
  scorecard: (productId: string, period?: string) => get<ScorecardDetail>(`/products/${id(productId)}/scorecard`, { period }),
  lineage: (productId: string) =>
    get<{ product_id: string; members: ScorecardDetail["datasets"]; truncated: boolean; nodes: LineageNode[]; edges: LineageEdge[] }>(
      `/products/${id(productId)}/lineage`,
      { upstream_depth: 4 },
    ),
};

export interface IngestResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records another team's: left as they were (see `records[i].reason`). */
  refused: number;
  records: Array<{ status: "inserted" | "updated" | "unchanged" | "refused"; reason?: string }>;
}

export const costsApi = {
  ingest: (records: CsvCostRecord[]) => request<IngestResult>("POST", "/costs", { body: { records } }),
  explorer: (q: ExplorerQuery) => get<Explorer>("/costs/explorer", q as unknown as Query),
  exportUrl: (q: ExplorerQuery) =>
    `/api/v1/costs/export?${new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== "") as Array<[string, string]>)}`,
  settings: () => get<CostSettings>("/cost-settings"),
  budgets: (period?: string) => get<{ period: string; items: Budget[] }>("/budgets", { period }),
  createBudget: (body: { scope: "team" | "product"; scope_id: string; monthly_limit: number }) => request<Budget>("POST", "/budgets", { body }),
  updateBudget: (budgetId: string, monthly_limit: number) => request<Budget>("PATCH", `/budgets/${id(budgetId)}`, { body: { monthly_limit } }),
  removeBudget: (budgetId: string) => request<unknown>("DELETE", `/budgets/${id(budgetId)}`),
};
