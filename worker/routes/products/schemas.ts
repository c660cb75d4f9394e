import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";
import { fromMicros } from "../../costs/money";
import type { Product, ProductMember } from "../../db/repo/products/products";
import { productConsumerKinds, productTiers } from "../../db/schema/enums";
import { pipelineNamePattern } from "../../pipelines/names";
import { TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import { timestamp } from "../shared";

const Weight = z.number().positive().max(1000).default(1).openapi({ description: "Share when a cost or dataset is shared with other products (proportional)" });

export const ProductName = z
  .string()
  .regex(pipelineNamePattern, "lowercase letters, digits, _ and -, starting with a letter or digit, at most 64 characters")
  .openapi({ example: "finance_revenue", description: "What pipeline specs name in `products:`" });

const Consumer = z.strictObject({
  kind: z.enum(productConsumerKinds),
  name: z.string().trim().min(1).max(200),
  url: HttpUrl.max(2000).nullable().optional(),
});

const Sla = z.strictObject({
  freshness: z
    .strictObject({
      cron: z.string().max(120).openapi({ example: "0 8 * * 1-5", description: "When the product must be fresh (5-part cron)" }),
      timezone: z.string().max(64).default("UTC").openapi({ example: "Europe/London" }),
      max_age: z.string().max(32).optional().openapi({ example: "24h", description: "How recent the last update must be at each deadline (default 24h)" }),
    })
    .nullable()
    .optional(),
  success_rate_target: z
    .number()
    .min(0)
    .max(100)
    .nullable()
    .optional()
    .openapi({ description: "Target percent of successful runs of the product's pipelines, e.g. 99" }),
});

const DeclaredValue = z.strictObject({
  monthly_amount: z.number().min(0).max(1_000_000_000).openapi({ example: 40000, description: "Business value per month, in the tenant's cost currency" }),
  currency: z.string().length(3).optional().openapi({ description: "Must be the tenant's cost currency (defaults to it)" }),
  rationale: z.string().trim().max(2000).default("").openapi({ example: "Board revenue reporting; replaces 2 analyst days a week" }),
});

const memberLists = {
  datasets: z
    .array(z.strictObject({ id: z.string().min(1).max(64), weight: Weight }))
    .max(500)
    .optional()
    .openapi({ description: "Datasets picked by id" }),
  tags: z
    .array(z.strictObject({ tag: z.string().trim().min(1).max(64), weight: Weight }))
    .max(50)
    .optional()
    .openapi({ description: "Every dataset carrying the tag (catalog or dbt tags)" }),
  patterns: z
    .array(z.strictObject({ pattern: z.string().trim().min(1).max(300), weight: Weight }))
    .max(50)
    .optional()
    .openapi({ description: "GLOB over the dataset name or `namespace/name`, e.g. `ANALYTICS.MARTS.FIN_*`" }),
  pipelines: z
    .array(z.strictObject({ name: z.string().min(1).max(64), weight: Weight }))
    .max(100)
    .optional()
    .openapi({ description: "Pipelines feeding the product (specs may also declare `products:`)" }),
};

const editable = {
  title: z.string().trim().min(1).max(120).optional(),
  description: z.string().trim().max(5000).optional(),
  owner_team_id: z.string().min(1).max(64),
  tier: z.enum(productTiers).optional(),
  declared_value: DeclaredValue.nullable().optional(),
  sla: Sla.optional(),
  consumers: z.array(Consumer).max(100).optional(),
  ...memberLists,
};

export const CreateProductBody = z.strictObject({ name: ProductName, ...editable }).openapi("CreateProductRequest");

export const UpdateProductBody = z
  .strictObject({ name: ProductName.optional(), ...editable, owner_team_id: editable.owner_team_id.optional() })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateProductRequest");

export const ProductOut = z
  .object({
    id: z.string().openapi({ example: "dp_4k2m9q0x1n5b6v7c8z3a" }),
    name: z.string(),
    title: z.string(),
    description: z.string(),
    owner_team: TeamRef,
    tier: z.enum(productTiers),
    declared_value: z.object({ monthly_amount: z.number(), currency: z.string(), rationale: z.string() }).nullable(),
    sla: z.object({
      freshness: z.object({ cron: z.string(), timezone: z.string(), max_age_seconds: z.number().int() }).nullable(),
      success_rate_target: z.number().nullable().openapi({ description: "Percent" }),
    }),
    consumers: z.array(z.object({ kind: z.enum(productConsumerKinds), name: z.string(), url: z.string().nullable() })),
    members: z.object({
      datasets: z.array(z.object({ id: z.string(), weight: z.number() })),
      tags: z.array(z.object({ tag: z.string(), weight: z.number() })),
      patterns: z.array(z.object({ pattern: z.string(), weight: z.number() })),
      pipelines: z.array(z.object({ name: z.string(), weight: z.number() })),
    }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("Product");

export const ProductList = z.object({ items: z.array(ProductOut), next_cursor: z.string().nullable() }).openapi("ProductList");

export function productOut(p: Product, teamName: string | null, members: ProductMember[], currency: string) {
  const of = (kind: ProductMember["kind"]) => members.filter((m) => m.kind === kind);
  return {
    id: p.id,
    name: p.name,
    title: p.title,
    description: p.description,
    owner_team: teamRefOut(p.ownerTeamId, teamName),
    tier: p.tier,
    declared_value: p.valueMicros === null ? null : { monthly_amount: fromMicros(p.valueMicros), currency, rationale: p.valueRationale },
    sla: {
      freshness:
        p.slaCron && p.slaTimezone && p.slaMaxAgeMs != null
          ? { cron: p.slaCron, timezone: p.slaTimezone, max_age_seconds: Math.round(p.slaMaxAgeMs / 1000) }
          : null,
      success_rate_target: p.slaSuccessTarget === null ? null : Math.round(p.slaSuccessTarget * 100_000) / 1000,
    },
    consumers: p.consumers.map((c) => ({ kind: c.kind, name: c.name, url: c.url })),
    members: {
      datasets: of("dataset").map((m) => ({ id: m.ref, weight: m.weight })),
      tags: of("tag").map((m) => ({ tag: m.ref, weight: m.weight })),
      patterns: of("pattern").map((m) => ({ pattern: m.ref, weight: m.weight })),
      pipelines: of("pipeline").map((m) => ({ name: m.ref, weight: m.weight })),
    },
    created_at: new Date(p.createdAt).toISOString(),
    updated_at: new Date(p.updatedAt).toISOString(),
  };
}
