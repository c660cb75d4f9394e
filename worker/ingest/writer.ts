import type { TenantCtx } from "../db/client";
import { datasetOwnership, type ActsFor } from "../db/repo/pipelines/ownership";
import { teamsActedFor, type Principal } from "../lib/principal";
import type { Writer } from "../lineage/openlineage-plan";

/** Who writes lineage, quality, dbt artifacts or costs: the owner of what the write creates, and whose things it may change. */
export interface IngestWriter extends Writer {
  /** Teams whose things the writer may change (null: every team); the form the write statements check inside their batch. */
  actsFor: ActsFor;
  /** Whether the writer may change what `teamId` owns: a token its team, a member their teams, an admin every team. */
  mayWriteFor(teamId: string): boolean;
}

/** A writer creating things for `ownerTeamId` (null: nobody) and changing those of the teams in `actsFor`. */
export function ingestWriter(ownerTeamId: string | null, actsFor: ActsFor): IngestWriter {
  return { ownerTeamId, actsFor, mayWriteFor: (teamId) => actsFor === null || actsFor.includes(teamId) };
}

/** Owner of what a write creates: a token's team, or a signed-in user's team when they have exactly one. */
export function writerOf(p: Principal): IngestWriter {
  const teams = Object.keys(p.teams);
  return ingestWriter(teams.length === 1 ? teams[0] : null, teamsActedFor(p));
}

/**
 * Of these datasets, those that exist and belong (declared, or by their writing pipeline) to a team the writer may
 * not act for. A read ahead of the write, for what is decided before it (cost attribution); the write statements
 * check ownership again themselves (PlanGuard).
 */
export async function othersDatasets(ctx: TenantCtx, writer: IngestWriter, datasetIds: Iterable<string>): Promise<Set<string>> {
  const owners = await datasetOwnership(ctx, [...new Set(datasetIds)]);
  return new Set([...owners.values()].filter((d) => d.ownerTeamId !== null && !writer.mayWriteFor(d.ownerTeamId)).map((d) => d.id));
}
