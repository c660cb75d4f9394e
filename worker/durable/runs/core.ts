import type { EngineEvent } from "../../engine/types";
import type { Env } from "../../env";
import type { RunStore } from "../storage";

/** A downstream run to create once the synchronous block is over: creating it needs its spec from D1. */
export interface PendingUpstream {
  /** `upstream` for an `after:` trigger, `dataset` for a dataset trigger. */
  kind: "upstream" | "dataset";
  pipelineId: string;
  dedupeKey: string;
  ref: string;
  chainDepth: number;
}

/**
 * What the modules of the run engine share inside one TenantRuns object. The modules are functions of this; the class
 * builds it once and wires the two hooks that would otherwise make the modules import each other in a circle.
 */
export interface RunsCore {
  readonly env: Env;
  readonly storage: DurableObjectStorage;
  readonly store: RunStore;
  /**
   * This instance of the object (random, per construction): it holds the claims of the calls it makes itself, and a
   * claim held by another instance is one whose call died with that instance (runs/dispatch-claims.ts holderGone).
   */
  readonly instanceId: string;
  /** Business time from the object's clock (tests move it). */
  now(): number;
  /** Rows one retention pass removes at most (tests make it small). */
  retentionBatch(): number;
  /** The tenant this object serves, learned from its first call. */
  tenantId(): string;
  /** Keeps work running after the current call returns. */
  waitUntil(work: Promise<unknown>): void;
  /** Applies one event to one run exactly once (runs/effects.ts): how admission, timers and reports change a run. */
  apply(runId: string, eventId: string, event: EngineEvent): void;
  /**
   * Everything that waits for I/O after a change: downstream runs, outbox delivery, the alarm. With
   * `holdWriteThrough`, the D1 write-through may wait for a later flush while the object is calling a tool
   * (runs/outbox.ts); without it, it is written before this returns.
   */
  settle(opts?: { holdWriteThrough?: boolean }): Promise<void>;
  /** Filled while a change finishes runs with `after:` dependents, or datasets updates fire triggers; emptied by `settle`. */
  readonly pendingUpstream: PendingUpstream[];
}
