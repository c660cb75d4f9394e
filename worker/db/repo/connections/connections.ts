import { and, asc, eq, gt, inArray, or, sql, type SQL } from "drizzle-orm";
import { batchSides, type TenantCtx } from "../../client";
import { connections } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { createWithPublicId, publicIdsDelete } from "../platform/public-ids";
import { open, seal, type Envelope, type KeyRing } from "../../../lib/envelope";
import type { DestinationChange } from "../../../lib/destinations";
import { newId } from "../../../lib/ids";
import { fromBuilder, runBatch, type Stmt } from "../../statements";

type ConnectionRow = typeof connections.$inferSelect;

/** A connection as everything outside this module sees it: the sealed secrets are replaced by the names of the fields that are set. */
export type Connection = Omit<ConnectionRow, "secrets"> & { secretFieldsSet: string[] };

/** Binds a sealed value to its tenant, connection and field so an envelope copied to another row fails to open. */
export const secretAad = (tenantId: string, connectionId: string, field: string) => `tutti/connection/${tenantId}/${connectionId}/${field}`;

function withoutSecrets(row: ConnectionRow): Connection {
  const { secrets, ...rest } = row;
  return { ...rest, secretFieldsSet: Object.keys(secrets).sort() };
}

async function sealAll(ctx: TenantCtx, ring: KeyRing, connectionId: string, values: Record<string, string>) {
  const sealed: Record<string, Envelope> = {};
  for (const [field, value] of Object.entries(values)) {
    sealed[field] = await seal(ring, value, secretAad(ctx.tenantId, connectionId, field));
  }
  return sealed;
}

const byId = (ctx: TenantCtx, id: string) => and(eq(connections.tenantId, ctx.tenantId), eq(connections.id, id));

async function rowByName(ctx: TenantCtx, teamId: string, name: string) {
  const [row] = await ctx.db
    .select()
    .from(connections)
    .where(and(eq(connections.tenantId, ctx.tenantId), eq(connections.teamId, teamId), eq(connections.name, name)))
    .limit(1);
  return row ?? null;
}

export async function getConnection(ctx: TenantCtx, id: string): Promise<Connection | null> {
  const [row] = await ctx.db.select().from(connections).where(byId(ctx, id)).limit(1);
  return row ? withoutSecrets(row) : null;
}

/** The team's connection called `name`, without secrets (for pipeline validation and the dashboard). */
export async function findConnectionByName(ctx: TenantCtx, teamId: string, name: string): Promise<Connection | null> {
  const row = await rowByName(ctx, teamId, name);
  return row ? withoutSecrets(row) : null;
}

export interface ConnectionListFilter {
  /** Only these teams; `null` means every team of the tenant (tenant admins). */
  teamIds: string[] | null;
  after?: { name: string; id: string };
  limit: number;
}

/** Connections ordered by name, id; returns `limit + 1` rows so the caller can tell whether there is a next page. */
export async function listConnections(ctx: TenantCtx, f: ConnectionListFilter): Promise<Connection[]> {
  if (f.teamIds && f.teamIds.length === 0) return [];
  const conds: SQL[] = [eq(connections.tenantId, ctx.tenantId)];
  if (f.teamIds) conds.push(inArray(connections.teamId, f.teamIds));
  if (f.after) {
    conds.push(or(gt(connections.name, f.after.name), and(eq(connections.name, f.after.name), gt(connections.id, f.after.id)))!);
  }
  const rows = await ctx.db
    .select()
    .from(connections)
    .where(and(...conds))
    .orderBy(asc(connections.name), asc(connections.id))
    .limit(f.limit + 1);
  return rows.map(withoutSecrets);
}

export interface NewConnection {
  teamId: string;
  name: string;
  kind: string;
  description: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  createdBy: string;
}

/** Seals every secret under its own data key and inserts the connection with its audit entry. Throws on a duplicate name (unique index). */
export async function createConnection(ctx: TenantCtx, source: AuditSource, ring: KeyRing, input: NewConnection): Promise<Connection> {
  const id = newId("connection");
  const row: ConnectionRow = {
    tenantId: ctx.tenantId,
    id,
    teamId: input.teamId,
    name: input.name,
    kind: input.kind,
    description: input.description,
    config: input.config,
    secrets: await sealAll(ctx, ring, id, input.secrets),
    createdBy: input.createdBy,
    createdAt: source.now,
    updatedAt: source.now,
    rotatedAt: null,
    lastUsedAt: null,
    archivedAt: null,
  };
  // The id is a public one (its tools' webhook URL): the control database's directory says whose it is.
  await createWithPublicId(ctx, "connection", id, source.now, [
    ctx.db.insert(connections).values(row),
    auditInsert(ctx, source, {
      action: "connection.created",
      targetType: "connection",
      targetId: id,
      teamId: input.teamId,
      details: { name: input.name, kind: input.kind, secret_fields: Object.keys(input.secrets).sort() },
    }),
  ]);
  return withoutSecrets(row);
}

export interface ConnectionPatch {
  description?: string;
  config?: Record<string, unknown>;
  /** Host fields the config moves to another destination (empty or absent: none). */
  moves?: DestinationChange[];
  /** Secret values replaced with the config (re-entered for a new destination). */
  secrets?: { values: Record<string, string>; ring: KeyRing };
}

/**
 * Writes a description or config change, with the secrets sent along in the same batch. A change of destination is
 * audited as `connection.destination_changed` with the old and new origins (never a secret value).
 */
export async function updateConnection(ctx: TenantCtx, source: AuditSource, existing: Connection, patch: ConnectionPatch): Promise<Connection> {
  const { moves = [], secrets, ...fields } = patch;
  const changes: Partial<ConnectionRow> = { ...fields, updatedAt: source.now };
  const replaced = secrets ? Object.keys(secrets.values).sort() : [];
  if (secrets && replaced.length) {
    const sealed = await sealAll(ctx, secrets.ring, existing.id, secrets.values);
    changes.secrets = sql`json_patch(${connections.secrets}, ${JSON.stringify(sealed)})` as unknown as ConnectionRow["secrets"];
    changes.rotatedAt = source.now;
  }
  const details = {
    name: existing.name,
    changed: Object.keys(fields).sort(),
    ...(moves.length ? { destinations: moves } : {}),
    ...(replaced.length ? { secrets_replaced: replaced } : {}),
  };
  await ctx.db.batch([
    ctx.db.update(connections).set(changes).where(byId(ctx, existing.id)),
    auditInsert(ctx, source, {
      action: moves.length ? "connection.destination_changed" : "connection.updated",
      targetType: "connection",
      targetId: existing.id,
      teamId: existing.teamId,
      details,
    }),
  ]);
  const secretFieldsSet = [...new Set([...existing.secretFieldsSet, ...replaced])].sort();
  return { ...existing, ...fields, secretFieldsSet, updatedAt: source.now, rotatedAt: replaced.length ? source.now : existing.rotatedAt };
}

/**
 * Replaces the given secret fields (others keep their values). The merge happens in SQL with
 * json_patch so two rotations of different fields cannot overwrite each other.
 */
export async function rotateConnectionSecrets(
  ctx: TenantCtx,
  source: AuditSource,
  ring: KeyRing,
  existing: Connection,
  values: Record<string, string>,
): Promise<Connection> {
  const sealed = await sealAll(ctx, ring, existing.id, values);
  await ctx.db.batch([
    ctx.db
      .update(connections)
      .set({ secrets: sql`json_patch(${connections.secrets}, ${JSON.stringify(sealed)})`, rotatedAt: source.now, updatedAt: source.now })
      .where(byId(ctx, existing.id)),
    auditInsert(ctx, source, {
      action: "connection.rotated",
      targetType: "connection",
      targetId: existing.id,
      teamId: existing.teamId,
      details: { name: existing.name, fields: Object.keys(values).sort() },
    }),
  ]);
  const secretFieldsSet = [...new Set([...existing.secretFieldsSet, ...Object.keys(values)])].sort();
  return { ...existing, secretFieldsSet, rotatedAt: source.now, updatedAt: source.now };
}

/** Deletes the row, and with it the only copy of the sealed secrets; its webhook URL stops resolving first. */
export async function deleteConnection(ctx: TenantCtx, source: AuditSource, existing: Connection): Promise<void> {
  await batchSides(
    ctx,
    [publicIdsDelete(ctx, "connection", [existing.id])],
    [
      ctx.db.delete(connections).where(byId(ctx, existing.id)),
      auditInsert(ctx, source, {
        action: "connection.deleted",
        targetType: "connection",
        targetId: existing.id,
        teamId: existing.teamId,
        details: { name: existing.name, kind: existing.kind },
      }),
    ],
  );
}

export interface ConnectionUsage {
  runId: string;
  taskKey: string;
  /** Defaults to the wall clock; the engine passes its injected clock's time. */
  now?: number;
}

export interface ResolvedConnection {
  id: string;
  teamId: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  /** Plaintext values: hand them to the connector and nowhere else (never log or store them). */
  secrets: Record<string, string>;
}

const engineActor = { actor: { type: "system" as const, id: "engine", label: "run engine" } };

/**
 * Decrypts the secrets of team `teamId`'s connection `name`. Returns null when the team has no such
 * connection — a connection of another team is never found, which is how teams stay isolated.
 * Pair every use that calls the tool with `recordConnectionUse`.
 */
export async function resolveConnectionSecrets(ctx: TenantCtx, keyRing: KeyRing, teamId: string, name: string): Promise<ResolvedConnection | null> {
  const row = await rowByName(ctx, teamId, name);
  if (!row) return null;
  const secrets: Record<string, string> = {};
  for (const [field, envelope] of Object.entries(row.secrets)) {
    try {
      secrets[field] = await open(keyRing, envelope, secretAad(ctx.tenantId, row.id, field));
    } catch {
      // The cause (key version missing, tampered row) is stated without any part of the value.
      throw new Error(`connection ${row.id}: secret field "${field}" could not be decrypted (master key version ${envelope.v})`);
    }
  }
  return { id: row.id, teamId: row.teamId, name: row.name, kind: row.kind, config: row.config, secrets };
}

/**
 * Records that a task attempt used a connection: last_used_at and one `connection.used` audit entry
 * per run, task and attempt (polls of the same attempt do not add entries).
 */
export async function recordConnectionUse(
  ctx: TenantCtx,
  connection: { id: string; teamId: string; name: string },
  usage: ConnectionUsage & { attempt: number },
) {
  await runBatch(ctx, connectionUseStatements(ctx, connection, usage));
}

/**
 * recordConnectionUse's statements, for a batch that writes other rows beside them (the run engine's outbox flush).
 * With `usage.auditId` the entry is written once however often the batch is (a flush repeated after a crash).
 */
export function connectionUseStatements(
  ctx: TenantCtx,
  connection: { id: string; teamId: string; name: string },
  usage: ConnectionUsage & { attempt: number; auditId?: string },
): Stmt[] {
  const now = usage.now ?? Date.now();
  const entry = auditInsert(
    ctx,
    { principal: engineActor, ip: null, requestId: null, now },
    {
      action: "connection.used",
      targetType: "connection",
      targetId: connection.id,
      teamId: connection.teamId,
      details: { name: connection.name, run_id: usage.runId, task_key: usage.taskKey, attempt: usage.attempt },
    },
    usage.auditId,
  );
  return [fromBuilder(ctx.db.update(connections).set({ lastUsedAt: now }).where(byId(ctx, connection.id))), fromBuilder(entry.onConflictDoNothing())];
}
