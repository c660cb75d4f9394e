import { z } from "@hono/zod-openapi";
import type { Environment } from "../../db/repo/connections/environments";
import { ENVIRONMENT_NAME } from "../../environments/names";
import { timestamp } from "../shared";

export const EnvironmentName = z
  .string()
  .regex(ENVIRONMENT_NAME, "lowercase letters, digits, - and _, starting with a letter (at most 32)")
  .openapi({ example: "ci" });

export const EnvParams = z.object({ id: z.string().min(1).max(64), name: EnvironmentName });

export const PutEnvironmentBody = z
  .strictObject({
    description: z.string().max(500).optional(),
    bindings: z
      .record(z.string().min(1).max(64), z.string().min(1).max(64))
      .default({})
      .openapi({
        description: "Spec connection name → the team connection this environment uses for it; unbound names resolve to themselves",
        example: { dbt: "dbt_ci" },
      }),
  })
  .openapi("PutEnvironmentRequest");

export const EnvironmentOut = z
  .object({
    team_id: z.string(),
    name: z.string(),
    description: z.string(),
    bindings: z.record(z.string(), z.string()),
    production: z.boolean().openapi({ description: "True for `prod`: the only environment schedules, triggers and reliability figures use" }),
    declared: z.boolean().openapi({ description: "False for an implicit `prod` without bindings" }),
    created_at: timestamp.nullable(),
    updated_at: timestamp.nullable(),
  })
  .openapi("Environment");

export const EnvironmentList = z.object({ items: z.array(EnvironmentOut) }).openapi("EnvironmentList");

export function environmentOut(e: Environment): z.input<typeof EnvironmentOut> {
  return {
    team_id: e.teamId,
    name: e.name,
    description: e.description,
    bindings: e.bindings,
    production: e.name === "prod",
    declared: true,
    created_at: new Date(e.createdAt).toISOString(),
    updated_at: new Date(e.updatedAt).toISOString(),
  };
}
