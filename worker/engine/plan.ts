import type { SensorTiming } from "../connectors/types";
import type { NormalizedSpec } from "../pipelines/spec";
import { templateRefs } from "./templates";
import type { NativeRerunKind } from "./retry-kinds";
import type { PlanTask } from "./types";

/**
 * The engine's view of a pinned pipeline version. `nativeRerunOf` names the partial rerun a connector kind has and
 * `sensorOf` whether a task (its connector and `with`) is a sensor (the engine knows connectors only through them).
 */
export function planFromSpec(
  spec: NormalizedSpec,
  nativeRerunOf: (connector: string) => NativeRerunKind | undefined = () => undefined,
  sensorOf: (connector: string, input: Record<string, unknown>) => SensorTiming | null | undefined = () => undefined,
): PlanTask[] {
  return spec.tasks.map((t) => {
    const nativeRerun = nativeRerunOf(t.connector);
    const sensor = sensorOf(t.connector, t.with) ?? undefined;
    return {
      key: t.id,
      dependsOn: t.depends_on,
      runIf: t.run_if,
      inputs: templateRefs(t.with),
      retries: { max: t.retries.max, backoff: t.retries.backoff, delayMs: t.retries.delay_ms, maxDelayMs: t.retries.max_delay_ms, jitter: t.retries.jitter },
      timeoutMs: t.timeout_ms,
      pollIntervalMs: sensor?.intervalMs ?? t.poll_interval_ms,
      skipDownstreamIfNoNewData: t.skip_downstream_if_no_new_data,
      ...(nativeRerun ? { nativeRerun } : {}),
      ...(sensor ? { sensor } : {}),
      ...(t.pool ? { pool: { name: t.pool, slots: t.pool_slots ?? 1 } } : {}),
    };
  });
}
