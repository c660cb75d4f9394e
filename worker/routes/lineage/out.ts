import type { GraphEdge, GraphNode } from "../../db/repo/lineage/graph";
import { isoOrNull } from "../shared";
import { teamRefOut } from "./catalog-schemas";

export const teamRef = teamRefOut;

export const graphNodeOut = (n: GraphNode) => ({
  id: n.id,
  type: n.type,
  namespace: n.namespace,
  name: n.name,
  kind: n.kind,
  owner_team: teamRefOut(n.ownerTeamId, n.ownerTeamName),
  depth: n.depth,
  last_write_at: isoOrNull(n.lastWriteAt),
  last_run_state: n.lastRunState,
  failing_checks: n.failingChecks,
});

export const graphEdgeOut = (e: GraphEdge) => ({ from: e.from, to: e.to, kind: e.kind });
