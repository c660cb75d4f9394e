import { z } from "@hono/zod-openapi";

export const ownedTypes = ["pipeline", "dataset", "product"] as const;
export type OwnedType = (typeof ownedTypes)[number];

const TeamRef = z.object({ id: z.string(), slug: z.string(), name: z.string() });

/**
 * declared: set on the object itself; pipeline_team: a pipeline's team; writer: a dataset without an owner inherits
 * the team of the pipeline that writes it; declaring_pipeline: a product named in `products:` without a catalog entry
 * belongs to the declaring pipeline's team.
 */
export const ownerSources = ["declared", "pipeline_team", "writer", "declaring_pipeline"] as const;

export const OwnedOut = z
  .object({
    type: z.enum(ownedTypes),
    id: z.string(),
    name: z.string(),
    owner_team: TeamRef.nullable(),
    owner_source: z.enum(ownerSources).nullable(),
  })
  .openapi("OwnedThing");

export const OwnedList = z.object({ items: z.array(OwnedOut), next_cursor: z.string().nullable() }).openapi("OwnedThingList");

export const OwnershipOut = OwnedOut.extend({
  dependents: z.object({
    teams: z.array(TeamRef.extend({ via: z.array(z.string()).openapi({ description: "What of this team's depends on it" }) })),
    pipelines: z.array(z.object({ id: z.string(), name: z.string(), owner_team: TeamRef.nullable() })),
    products: z.array(z.object({ name: z.string(), owner_team: TeamRef.nullable() })),
    datasets: z.array(z.object({ id: z.string(), name: z.string(), owner_team: TeamRef.nullable() })),
    datasets_total: z.number().int(),
  }),
  produced_by: z
    .array(z.object({ id: z.string(), name: z.string(), owner_team: TeamRef.nullable() }))
    .openapi({ description: "Pipelines that write this dataset or declare this product" }),
  open_alerts: z.number().int(),
}).openapi("Ownership");
