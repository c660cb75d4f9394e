import type { AlertKind, AlertSeverity, AlertStatus } from "./kinds";

export interface TeamRef {
  id: string;
  slug: string;
  name: string;
}

/** `subscriber`: a product's status-page subscriber (an address or an owners' channel), see worker/status/notify.ts. */
export type RecipientRole = "owner" | "downstream" | "named" | "subscriber";

/** `noted`: someone wrote a note on the alert; only a product's subscribers are sent notes (teams read them in Tutti). */
export type TransitionKind = "opened" | "escalated" | "resolved" | "noted";

/**
 * What a notification says, frozen at the alert transition it announces: retries and redeliveries send the same
 * content, and every channel renders from this one shape (Slack blocks, webhook JSON, e-mail).
 */
export interface DeliverySnapshot {
  transition: TransitionKind;
  escalationLevel: number;
  at: number;
  alert: {
    id: string;
    kind: AlertKind;
    severity: AlertSeverity;
    status: AlertStatus;
    title: string;
    summary: string;
    dedupeKey: string;
    occurrences: number;
    firstSeenAt: number;
    lastSeenAt: number;
    resolvedAt: number | null;
    resolvedBy: string | null;
    resolution: string | null;
    subject: { type: string; id: string; name: string };
    ownerTeam: TeamRef | null;
    pipeline: { id: string; name: string } | null;
    runId: string | null;
    details: Record<string, unknown>;
    impacts: Array<{ product: string; ownerTeam: TeamRef | null; statement: string }>;
  };
  recipient: {
    team: TeamRef;
    role: RecipientRole;
    /** The product a subscriber subscribed to, for whom the message is worded. */
    product?: { id: string; name: string; title: string };
  };
  /** The note a `noted` transition announces. */
  note?: { at: number; text: string };
  /** A "send test" example: no alert exists, so nothing links into the dashboard. */
  test?: true;
}

/** Links into the dashboard; absent when APP_URL is not configured (a message without links beats a wrong link). */
export interface Links {
  alert: string | null;
  run: string | null;
}

export function linksFor(appUrl: string | undefined, snapshot: Pick<DeliverySnapshot, "alert" | "test">): Links {
  const base = appUrl?.replace(/\/+$/, "");
  if (!base || snapshot.test) return { alert: null, run: null };
  return {
    alert: `${base}/alerts/${encodeURIComponent(snapshot.alert.id)}`,
    run: snapshot.alert.runId ? `${base}/runs/${encodeURIComponent(snapshot.alert.runId)}` : null,
  };
}

/** "alert.opened", "alert.escalated", "alert.resolved": the event type of webhooks and the verb of messages. */
export const eventType = (t: TransitionKind) => `alert.${t}` as const;

/** The statements about products the recipient team owns come first: that is why they are being told. */
export function impactsFor(snapshot: DeliverySnapshot) {
  const mine = snapshot.alert.impacts.filter((i) => i.ownerTeam?.id === snapshot.recipient.team.id);
  const others = snapshot.alert.impacts.filter((i) => i.ownerTeam?.id !== snapshot.recipient.team.id);
  return { mine, others };
}
