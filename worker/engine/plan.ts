import type { NormalizedSpec } from "../pipelines/spec";
import { templateRefs } from "./templates";
import type { NativeRerunKind } from "./retry-kinds";
import type { PlanTask } from "./types";

/**
 * The engine's view of a pinned pipeline version. `nativeRerunOf` names the partial rerun a connector kind has (the
 * engine knows connectors only through it).
 */
export function planFromSpec(spec: NormalizedSpec, nativeRerunOf: (connector: string) => NativeRerunKind | undefined = () => undefined): PlanTask[] {
  return spec.tasks.map((t) => {
    const nativeRerun = nativeRerunOf(t.connector);
    return {
      key: t.id,
      dependsOn: t.depends_on,
      runIf: t.run_if,
      inputs: templateRefs(t.with),
      retries: { max: t.retries.max, backoff: t.retries.backoff, delayMs: t.retries.delay_ms, maxDelayMs: t.retries.max_delay_ms, jitter: t.retries.jitter },
      timeoutMs: t.timeout_ms,
      pollIntervalMs: t.poll_interval_ms,
      skipDownstreamIfNoNewData: t.skip_downstream_if_no_new_data,
      ...(nativeRerun ? { nativeRerun } : {}),
    };
  });
}
