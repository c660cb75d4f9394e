import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";
import { productTiers, type ProductConsumerKind, type SlowTarget, type UnusedAction } from "./enums";

/** "Run only what is used": after `afterDays` without use, slow or pause the pipelines that build only this product. */
export interface UnusedPolicy {
  afterDays: number;
  action: UnusedAction;
  /** For `slow`: how coarse the schedule becomes. */
  slowTo: SlowTarget | null;
}

export interface ProductConsumer {
  kind: ProductConsumerKind;
  name: string;
  url: string | null;
}

/**
 * A data product: what a team owns and others use (a mart, a model, a dashboard's tables). Pipelines name it
 * in `products: [name]`, so `name` follows the pipeline-name pattern; the title is what people read.
 * Money is stored in micro-units of the tenant's cost currency so sums are exact.
 */
export const products = sqliteTable(
  "products",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    ownerTeamId: text("owner_team_id").notNull(),
    tier: text("tier", { enum: productTiers }).notNull(),
    /** Declared business value per month, in micro-units of the tenant currency; null when not declared. */
    valueMicros: integer("value_micros"),
    valueRationale: text("value_rationale").notNull().default(""),
    /** Freshness SLA: at each occurrence of the cron (in the time zone) the product must be newer than max age. */
    slaCron: text("sla_cron"),
    slaTimezone: text("sla_timezone"),
    slaMaxAgeMs: ms("sla_max_age_ms"),
    /** Target share of successful runs of the product's pipelines, 0–1. */
    slaSuccessTarget: real("sla_success_target"),
    consumers: json<ProductConsumer[]>("consumers").notNull(),
    /** Off when null (the default). worker/products/unused-policy.ts evaluates it once a day. */
    unusedPolicy: json<UnusedPolicy>("unused_policy"),
    /** When the owners were told the pipelines will be slowed or paused; the action follows a grace period later. */
    unusedNoticeAt: ms("unused_notice_at"),
    /** "Keep" (or an undo): the policy does not act before this. */
    unusedKeptUntil: ms("unused_kept_until"),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("products_tenant_name").on(t.tenantId, t.name),
    index("products_owner").on(t.tenantId, t.ownerTeamId),
  ],
);
