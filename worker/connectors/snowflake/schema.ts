import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

/** Snowflake identifiers as the SQL API takes them (case-sensitive, unquoted form). */
const Identifier = z.string().min(1).max(255);

export const SnowflakeConfig = z.strictObject({
  base_url: HttpUrl.meta({ description: "Account URL, e.g. https://myorg-myaccount.snowflakecomputing.com" }),
  account: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "an account identifier such as MYORG-MYACCOUNT or xy12345.us-east-1")
    .meta({ description: "Account identifier (used in key-pair JWTs)" }),
  user: Identifier.optional().meta({ description: "Login name of the user the key pair belongs to (key-pair auth)" }),
  token_type: z.enum(["OAUTH", "PROGRAMMATIC_ACCESS_TOKEN"]).default("OAUTH").meta({ description: "What the `token` secret is, when no private_key is set" }),
  warehouse: Identifier.optional(),
  database: Identifier.optional(),
  schema: Identifier.optional(),
  role: Identifier.optional(),
});
export type SnowflakeConfig = z.output<typeof SnowflakeConfig>;

const Binding = z.strictObject({
  type: z.enum(["FIXED", "REAL", "TEXT", "BINARY", "BOOLEAN", "DATE", "TIME", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ"]),
  value: z.string().max(10_000),
});

export const SnowflakeWith = z.strictObject({
  statement: z
    .string()
    .min(1)
    .max(1_000_000)
    .meta({ description: "SQL to run; several statements separated by `;` need multi_statement_count. Put values in bindings, not in the text" }),
  bindings: z.record(z.string().regex(/^\d+$/, "positions 1, 2, …"), Binding).optional().meta({
    description: 'Values for the ? placeholders: {"1": {"type": "TEXT", "value": "{{params.day}}"}}; values may use {{run_id}} and {{params.<name>}}',
  }),
  multi_statement_count: z.number().int().min(0).max(1000).optional().meta({ description: "How many statements `statement` holds (0 = any number)" }),
  timeout_seconds: z
    .number()
    .int()
    .min(0)
    .max(604_800)
    .optional()
    .meta({ description: "Snowflake cancels the statement after this (0 = the maximum, 7 days)" }),
  warehouse: Identifier.optional(),
  database: Identifier.optional(),
  schema: Identifier.optional(),
  role: Identifier.optional(),
  collect_cost: z.boolean().default(true).meta({ description: "Record the statements' query ids, warehouse and query tag as cost facts" }),
});
export type SnowflakeWith = z.output<typeof SnowflakeWith>;
