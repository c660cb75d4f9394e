import { index, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";
import { productMemberKinds } from "./enums";

/**
 * What belongs to a product: a dataset (ref = dataset id), every dataset carrying a tag (ref = tag), every
 * dataset whose `namespace/name` matches a glob (ref = pattern), or a pipeline (ref = pipeline name; pipelines
 * may also declare `products:` in their spec). `weight` decides the product's share when a cost or dataset is
 * shared with other products (shares are proportional to weights).
 */
export const productMembers = sqliteTable(
  "product_members",
  {
    tenantId: tenantId(),
    productId: text("product_id").notNull(),
    kind: text("kind", { enum: productMemberKinds }).notNull(),
    ref: text("ref").notNull(),
    weight: real("weight").notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.productId, t.kind, t.ref] }), index("product_members_ref").on(t.tenantId, t.kind, t.ref)],
);
