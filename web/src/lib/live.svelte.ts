/**
 * Keeps a page's lists current while someone looks at them: a quiet re-read every so often while the tab is visible,
 * one at once when it becomes visible again after a refresh was due, none while it is hidden, and slower after
 * failures so a struggling API is not hammered. Lists change from many places (runs from the engine, alerts from
 * checks, dbt uploads from CI), so a re-read is the one signal that covers all of them; the run page follows its one
 * run by long poll instead (live-run.svelte.ts).
 *
 * Call during component set-up; it stops with the component.
 */
import { untrack } from "svelte";
import { nextRefreshDelay, REFRESH_MS } from "./refresh-delay";
import type { Refreshable } from "./resource.svelte";

export class LiveRefresh {
  /** Failed refreshes in a row (0 after a success); the page shows that what it has may be old. */
  failures = $state(0);
  #targets: () => Refreshable[];
  #everyMs: number;

  /** `targets` may be a function, for a page whose resources come with its (changing) load data. */
  constructor(targets: Refreshable[] | (() => Refreshable[]), everyMs = REFRESH_MS) {
    this.#targets = typeof targets === "function" ? targets : () => targets;
    this.#everyMs = everyMs;
    // Untracked: the loop reads `failures`, and a failure must not restart it.
    $effect(() => untrack(() => this.#run()));
  }

  /** The oldest read among the targets: what "updated X ago" should say. */
  get updatedAt(): number | null {
    const times = this.#targets().map((t) => t.updatedAt);
    return times.some((t) => t === null) ? null : Math.min(...(times as number[]));
  }

  async refreshNow(): Promise<void> {
    const results = await Promise.all(this.#targets().map((t) => t.refresh()));
    this.failures = results.every(Boolean) ? 0 : this.failures + 1;
  }

  #run() {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const schedule = () => {
      clearTimeout(timer);
      if (stopped || document.visibilityState === "hidden") return;
      timer = setTimeout(tick, nextRefreshDelay(this.failures, this.#everyMs));
    };
    const tick = async () => {
      if (stopped || document.visibilityState === "hidden") return;
      await this.refreshNow();
      schedule();
    };
    const onVisibility = () => {
      if (document.visibilityState === "hidden") return clearTimeout(timer);
      const updated = this.updatedAt;
      if (updated !== null && Date.now() - updated >= this.#everyMs) void tick();
      else schedule();
    };
    document.addEventListener("visibilitychange", onVisibility);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }
}
