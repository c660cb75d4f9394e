import type { EngineEvent } from "../engine/types";

/** What a timer row does when it comes due. */
export type TimerEvent =
  | { type: "engine"; runId: string; event: EngineEvent }
  | { type: "cron"; pipelineId: string; slotAt: number }
  | { type: "sla"; pipelineId: string; deadlineAt: number }
  | { type: "watch"; key: string; payload: Record<string, unknown> }
  | { type: "housekeeping" }
  | { type: "retention" }
  | { type: "zombie_digest" }
  | { type: "collector"; connectionId: string };
