import type { DeliverySnapshot } from "../../../worker/alerting/snapshot";

export const teamA = { id: "team_a", slug: "platform", name: "Platform" };
export const teamB = { id: "team_b", slug: "finance", name: "Finance data" };

export function snapshot(over: Partial<DeliverySnapshot> = {}, alert: Partial<DeliverySnapshot["alert"]> = {}): DeliverySnapshot {
  return {
    transition: "opened",
    escalationLevel: 0,
    at: Date.UTC(2026, 10, 25, 6, 30),
    alert: {
      id: "alr_1",
      kind: "run_failed",
      severity: "critical",
      status: "open",
      title: "ingest_crm failed",
      summary: "Run run_1 of ingest_crm failed: task load failed on attempt 1 — HTTP 500",
      dedupeKey: "pipeline:pl_1:run_failed",
      occurrences: 1,
      firstSeenAt: Date.UTC(2026, 10, 25, 6, 30),
      lastSeenAt: Date.UTC(2026, 10, 25, 6, 30),
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      subject: { type: "pipeline", id: "pl_1", name: "ingest_crm" },
      ownerTeam: teamA,
      pipeline: { id: "pl_1", name: "ingest_crm" },
      runId: "run_1",
      details: { failed_tasks: [{ key: "load" }] },
      impacts: [
        {
          product: "finance_revenue",
          ownerTeam: teamB,
          statement: "finance_revenue will miss its 08:00 Europe/London SLA because ingest_crm's task load failed",
        },
      ],
      ...alert,
    },
    recipient: { team: teamA, role: "owner" },
    ...over,
  };
}
