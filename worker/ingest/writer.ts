import type { TenantCtx } from "../db/client";
import { datasetOwnership } from "../db/repo/ownership";
import { canActForTeam, type Principal } from "../lib/principal";
import type { Writer } from "../lineage/openlineage-plan";

/** Who writes lineage, quality or costs: the owner of what the write creates, and whose things it may change. */
export interface IngestWriter extends Writer {
  /** Whether the writer may change what `teamId` owns: a token its team, a member their teams, an admin every team. */
  mayWriteFor(teamId: string): boolean;
}

/** Owner of what a write creates: a token's team, or a signed-in user's team when they have exactly one. */
export function writerOf(p: Principal): IngestWriter {
  const teams = Object.keys(p.teams);
  return { ownerTeamId: teams.length === 1 ? teams[0] : null, mayWriteFor: (teamId) => canActForTeam(p, teamId) };
}

/** Of these datasets, those that exist and belong (declared, or by their writing pipeline) to a team the writer may not act for. */
export async function othersDatasets(ctx: TenantCtx, writer: IngestWriter, datasetIds: Iterable<string>): Promise<Set<string>> {
  const owners = await datasetOwnership(ctx, [...new Set(datasetIds)]);
  return new Set([...owners.values()].filter((d) => d.ownerTeamId !== null && !writer.mayWriteFor(d.ownerTeamId)).map((d) => d.id));
}
