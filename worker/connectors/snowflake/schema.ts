import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";
import { sensorTimingFields } from "../sensor";
import { firstKeyword, statementCount } from "./statements";

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

/**
 * A poke's statement timeout: below the ~45 s after which the SQL API turns a synchronous request into an asynchronous
 * one (CONTRACTS §6), so each poke is answered in its one request and leaves no statement to follow.
 */
export const SENSOR_POKE_TIMEOUT_SECONDS = 30;
export const SENSOR_MAX_POKE_TIMEOUT_SECONDS = 40;
/** What a sensor may run: statements that read. The role's grants are the real guard; this catches a DML by mistake. */
const SENSOR_KEYWORDS = ["select", "with", "show", "describe", "desc"];

const SqlSensor = z.strictObject({ ...sensorTimingFields }).meta({
  description:
    "Makes the task a sensor: `statement` (one query) runs every `interval` until the first column of its first row is true (boolean true, a non-zero number or the text 'true'); no row or a false value is 'not yet', not a failure. After `timeout` the task times out",
});

export const SnowflakeWith = z
  .strictObject({
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
    sensor: SqlSensor.optional(),
  })
  .superRefine((w, ctx) => {
    if (!w.sensor) return;
    if (w.multi_statement_count !== undefined)
      ctx.addIssue({ code: "custom", path: ["multi_statement_count"], message: "a sensor runs one query: leave multi_statement_count out" });
    else if (statementCount(w.statement) !== 1)
      ctx.addIssue({ code: "custom", path: ["statement"], message: "a sensor runs one query, not several statements" });
    const keyword = firstKeyword(w.statement);
    if (keyword && !SENSOR_KEYWORDS.includes(keyword))
      ctx.addIssue({
        code: "custom",
        path: ["statement"],
        message: `a sensor runs its query on every poke, so it must read (SELECT, WITH, SHOW or DESCRIBE), not ${keyword.toUpperCase()}`,
      });
    if (w.timeout_seconds !== undefined && (w.timeout_seconds < 1 || w.timeout_seconds > SENSOR_MAX_POKE_TIMEOUT_SECONDS))
      ctx.addIssue({
        code: "custom",
        path: ["timeout_seconds"],
        message: `a sensor's poke is one short query: between 1 and ${SENSOR_MAX_POKE_TIMEOUT_SECONDS} seconds (default ${SENSOR_POKE_TIMEOUT_SECONDS})`,
      });
  });
export type SnowflakeWith = z.output<typeof SnowflakeWith>;
