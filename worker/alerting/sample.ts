import type { DeliverySnapshot, TeamRef } from "./snapshot";

/** What a "send test" button sends: a clearly labelled example alert for the channel's own team. */
export function sampleSnapshot(team: TeamRef, requestedBy: string, now: number): DeliverySnapshot {
  return {
    transition: "opened",
    escalationLevel: 0,
    at: now,
    alert: {
      id: "alr_test",
      kind: "run_failed",
      severity: "info",
      status: "open",
      title: "Test notification from Tutti",
      summary: `${requestedBy} sent this test to check that alerts reach this channel. Nothing failed.`,
      dedupeKey: "test",
      occurrences: 1,
      firstSeenAt: now,
      lastSeenAt: now,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      subject: { type: "team", id: team.id, name: team.name },
      ownerTeam: team,
      pipeline: null,
      runId: null,
      details: { test: true },
      impacts: [],
    },
    recipient: { team, role: "owner" },
    test: true,
  };
}
