import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorCodes } from "../lib/errors";

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.array(
        z.object({
          path: z.string(),
          message: z.string(),
          line: z.number().int().optional().openapi({ description: "For a pipeline spec's problems: the 1-based line of `spec_text` it is on" }),
          column: z.number().int().optional().openapi({ description: "With `line`: the 1-based column" }),
        }),
      ),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

const errorDescriptions: Record<number, string> = {
  400: "Invalid input; `details` names each field and the reason",
  401: "Missing, invalid or expired credentials",
  403: "Authenticated but not allowed",
  404: "Not found (also for objects of other tenants)",
  409: "Conflict with the current state",
  413: "Body too large",
  415: "Unsupported content type",
  429: "Rate limited; see Retry-After",
};

/** OpenAPI entries for the error statuses a route can answer with. */
export function errors(...statuses: Array<keyof typeof errorDescriptions>) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: errorDescriptions[s], content: { "application/json": { schema: ErrorEnvelope } } }]),
  ) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorEnvelope } } }>;
}

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: { required: true, description, content: { "application/json": { schema } } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Parses the payload through its response schema so the OpenAPI document cannot drift from what is sent. */
export function send<T extends z.ZodType, S extends ContentfulStatusCode>(c: Context, status: S, schema: T, data: z.input<T>) {
  return c.json(schema.parse(data) as z.output<T>, status);
}

export const bearerSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { session: [] }];

export const timestamp = z.string().datetime().openapi({ example: "2026-11-25T09:00:00.000Z" });
export const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export const IdParam = z.object({ id: z.string().min(1).max(64) });
