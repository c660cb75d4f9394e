import type { Redactor } from "../connectors/redact";
import type { CollectResult, CollectSink, ConnectorContext, ConnectorDefinition, TerminalOutcome } from "../connectors/types";
import { tenantCtx, type Db } from "../db/client";
import { recordCostsFromFacts } from "../costs/derived-costs";
import { upsertCostFacts } from "../db/repo/costs/facts";
import { ingestCollectedDbtArtifacts } from "./collect-dbt";
import type { NotifySender } from "./notify-messages";
import { log } from "../lib/log";

export interface CollectTarget {
  tenantId: string;
  teamId: string;
  runId: string;
  taskKey: string;
  attempt: number;
  connectionId: string | null;
}

/**
 * The sink connectors write into after a run: cost facts to D1, dbt artifacts through the lineage ingest.
 * Both writes are idempotent (unique external ref; artifact content hash), so a repeated dispatch of the
 * same final poll stores nothing twice.
 */
export function collectSink(db: Db, blobs: R2Bucket, target: CollectTarget, now: () => number, notify?: NotifySender): CollectSink {
  const ctx = tenantCtx(db, target.tenantId);
  return {
    async costFacts(source, facts) {
      const rows = facts.map((f) => ({
        source,
        externalRef: f.externalRef,
        teamId: target.teamId,
        runId: target.runId,
        taskKey: target.taskKey,
        attempt: target.attempt,
        connectionId: target.connectionId,
        facts: f.facts,
        startedAt: f.startedAt,
        endedAt: f.endedAt,
        collectedAt: now(),
      }));
      await upsertCostFacts(ctx, rows);
      // Facts that carry priced usage (DBUs, credits, MAR) become ledger records now; the others wait for the
      // usage to be posted (POST /costs with the same source and ref finds the task through the fact).
      await recordCostsFromFacts(ctx, rows, now(), notify);
    },
    async dbtArtifacts(input) {
      return ingestCollectedDbtArtifacts(ctx, target, input, now(), blobs, notify);
    },
  };
}

/** Collect tries per attempt before the task ends with what there is: about five minutes of waiting in all. */
export const COLLECT_TRIES = 6;
const COLLECT_FIRST_DELAY_MS = 10_000;

/** Wait before collect try `tries + 1`: 10 s, 20 s, 40 s, 80 s, 160 s. */
export const collectRetryDelayMs = (tries: number) => COLLECT_FIRST_DELAY_MS * 2 ** (tries - 1);

/**
 * Runs the connector's collect step after a terminal outcome. What a run left behind is a by-product: failing to
 * fetch it never changes how the task ended, but it is reported as `missing` (and tried again while tries remain).
 */
export async function collectAfterRun<With, Config>(
  connector: ConnectorDefinition<With, Config>,
  ctx: ConnectorContext<Config>,
  input: With,
  outcome: TerminalOutcome,
  sink: CollectSink,
  options: { lastTry: boolean },
  redactor: Redactor,
): Promise<CollectResult> {
  if (!connector.collect) return {};
  try {
    return (await connector.collect(ctx, input, outcome, sink, options)) ?? {};
  } catch (err) {
    // Logged and shown with the task: the tool's text, without the credentials it was sent.
    const message = redactor.clean(err instanceof Error ? err.message : String(err));
    log.with({ tenantId: ctx.run.tenantId }).error("collect after run failed", {
      connector: connector.kind,
      run_id: ctx.run.runId,
      task: ctx.run.taskKey,
      error: message,
    });
    return { missing: `could not collect what the run left behind: ${message}` };
  }
}
