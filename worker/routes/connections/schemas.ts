import { z } from "@hono/zod-openapi";
import type { ConnectionKind } from "../../connectors/registry";
import type { Connection } from "../../db/repo/connections/connections";
import { isoOrNull, timestamp } from "../shared";

export const ConnectionName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/, "lowercase letters, digits, - and _ (at most 64), as pipelines refer to it by name")
  .openapi({ example: "dbt-prod" });

const Description = z.string().trim().max(500);
const Config = z.record(z.string(), z.unknown()).openapi({ description: "Non-secret settings, checked against the kind's config_schema" });
const SecretValues = z
  .record(z.string().min(1).max(64), z.string().min(1).max(16_384))
  .openapi({ description: "Secret field → value. Write-only: values are encrypted and never returned" });

export const ConnectionOut = z
  .object({
    id: z.string().openapi({ example: "conn_3k9q0x2m4n5b6v7c8z1a" }),
    team_id: z.string(),
    name: z.string(),
    kind: z.string(),
    description: z.string(),
    config: z.record(z.string(), z.unknown()),
    secret_fields: z
      .array(z.object({ name: z.string(), set: z.boolean() }))
      .openapi({ description: "The kind's secret fields and whether each has a value (values are never returned)" }),
    created_at: timestamp,
    updated_at: timestamp,
    rotated_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    created_by: z.string(),
  })
  .openapi("Connection");

export const ConnectionList = z.object({ items: z.array(ConnectionOut), next_cursor: z.string().nullable() }).openapi("ConnectionList");

export const CreateConnectionBody = z
  .strictObject({
    team_id: z.string().min(1).max(64),
    name: ConnectionName,
    kind: z.string().min(1).max(64).openapi({ description: "One of GET /connection-kinds" }),
    description: Description.optional(),
    config: Config.default({}),
    secrets: SecretValues,
  })
  .openapi("CreateConnectionRequest");

export const UpdateConnectionBody = z
  .strictObject({
    description: Description.optional(),
    config: Config.optional(),
    secrets: SecretValues.optional().openapi({
      description:
        "Secret values replaced together with `config` (only with it). When the config moves a host field (base_url, account, url) to another origin, every set secret field must be sent again, so stored secrets never follow a new destination",
    }),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateConnectionRequest");

export const RotateSecretsBody = z
  .strictObject({ secrets: SecretValues.refine((s) => Object.keys(s).length > 0, "send at least one secret field") })
  .openapi("RotateConnectionSecretsRequest");

export function connectionOut(conn: Connection, kind: ConnectionKind | undefined): z.input<typeof ConnectionOut> {
  const fields = kind ? [...kind.secretFields, ...kind.optionalSecretFields] : [];
  for (const stored of conn.secretFieldsSet) if (!fields.includes(stored)) fields.push(stored);
  return {
    id: conn.id,
    team_id: conn.teamId,
    name: conn.name,
    kind: conn.kind,
    description: conn.description,
    config: conn.config,
    secret_fields: fields.map((name) => ({ name, set: conn.secretFieldsSet.includes(name) })),
    created_at: new Date(conn.createdAt).toISOString(),
    updated_at: new Date(conn.updatedAt).toISOString(),
    rotated_at: isoOrNull(conn.rotatedAt),
    last_used_at: isoOrNull(conn.lastUsedAt),
    created_by: conn.createdBy,
  };
}
