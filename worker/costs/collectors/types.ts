import type { ResolvedConnection } from "../../db/repo/connections/connections";
import type { TenantCtx } from "../../db/client";
import type { CollectorSettings } from "../../db/schema";
import type { CostDraft } from "../draft";
import type { CostSettings } from "../settings";
import type { BiUse } from "./bi-usage";
import type { TableRead } from "./snowflake-map";
import type { CollectWindow, StreamTiming } from "./window";

/** What one stream of a collector reads in a pass. */
export interface CollectorInput {
  ctx: TenantCtx;
  connection: ResolvedConnection;
  /** The connection the collector reads through (CostCollector.via), resolved for the pass; null for the others. */
  via: ResolvedConnection | null;
  settings: CollectorSettings;
  costs: CostSettings;
  fetch: typeof fetch;
}

export interface StreamOutput {
  /** Rows the vendor returned. */
  rows: number;
  drafts: CostDraft[];
  reads?: TableRead[];
  /** BI uses (Looker, Power BI), attributed to products by name (./bi-usage.ts). */
  uses?: BiUse[];
}

/** One view or table a collector reads incrementally, with its own watermark. */
export interface CollectorStream extends StreamTiming {
  name: string;
  read(input: CollectorInput, window: CollectWindow): Promise<StreamOutput>;
}

export interface CostCollector {
  kind: string;
  /** The streams a pass reads, in order (query costs before the idle time split by them). */
  streams(settings: CollectorSettings): CollectorStream[];
  /**
   * The id of another connection of the same team the collector reads through, when its vendor keeps usage in the
   * customer's warehouse rather than behind its own API (Fivetran: the Platform Connector's tables).
   */
  via?(settings: CollectorSettings): string | null;
  /** The catalog namespace of the tables the vendor's reads name (`override`: the collector's dataset_namespace). */
  namespace(config: Record<string, unknown>, override: string | null | undefined): string;
}
