/**
 * One run as its page shows it, kept current while the run is active: a long poll on the run's events
 * (`?after=<seq>&wait=`) answers on each change, and the run is re-read then, so the Gantt, task list
 * and event log move without reloading. Stops by itself when the run ends.
 */
import { runsApi } from "./api/runs";
import { isTerminalRun } from "./runs";
import type { RunDetail, RunEvent } from "./api/types";

/** Seconds the server holds an event poll; short enough for proxies, long enough to be cheap. */
const WAIT_SECONDS = 25;
const RETRY_MS = 3000;
const TICK_MS = 1000;

export class LiveRun {
  run = $state<RunDetail | undefined>(undefined);
  events = $state<RunEvent[]>([]);
  /** Loading the run failed (nothing to show). */
  error = $state<unknown>(null);
  /** Following failed; the last known state stays on screen and the poll retries. */
  liveError = $state<unknown>(null);
  following = $state(false);
  /** Advances every second while following, so running bars and elapsed times grow. */
  now = $state(Date.now());

  readonly runId: string;
  #after = 0;
  #abort = new AbortController();
  #ticker: ReturnType<typeof setInterval> | null = null;

  constructor(runId: string) {
    this.runId = runId;
  }

  async start(): Promise<void> {
    this.error = null;
    try {
      const run = await runsApi.get(this.runId, undefined, this.#abort.signal);
      this.run = run;
      await this.#drainEvents();
    } catch (error) {
      if (!this.#abort.signal.aborted) this.error = error;
      return;
    }
    void this.#follow();
  }

  /** After an action (cancel, retry) answered with the new state: show it and follow again if it is active. */
  replace(run: RunDetail): void {
    this.run = run;
    if (!this.following) void this.#follow();
  }

  stop(): void {
    this.#abort.abort();
    this.#stopTicker();
  }

  get #stopped() {
    return this.#abort.signal.aborted;
  }

  #append(items: RunEvent[], nextAfter: number) {
    if (items.length) this.events = [...this.events, ...items.filter((e) => e.seq > this.#after)];
    this.#after = Math.max(this.#after, nextAfter);
  }

  /** Reads every event not seen yet, page by page, without waiting. */
  async #drainEvents() {
    for (;;) {
      const page = await runsApi.events(this.runId, this.#after, undefined, this.#abort.signal);
      this.#append(page.items, page.next_after);
      if (!page.items.length || this.#stopped) return;
    }
  }

  async #follow() {
    if (this.following || !this.run || isTerminalRun(this.run.status)) return;
    this.following = true;
    this.#startTicker();
    try {
      while (!this.#stopped && this.run && !isTerminalRun(this.run.status)) {
        try {
          const page = await runsApi.events(this.runId, this.#after, WAIT_SECONDS, this.#abort.signal);
          // New events mean new state; no events means the wait ended or the run did: re-read either way.
          const run = await runsApi.get(this.runId, undefined, this.#abort.signal);
          // Both at once, so the event log never shows a change the tasks and timeline do not.
          this.#append(page.items, page.next_after);
          this.run = run;
          this.liveError = null;
        } catch (error) {
          if (this.#stopped) return;
          this.liveError = error;
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
      // Events written together with the final state may have landed after the last poll.
      if (!this.#stopped) await this.#drainEvents().catch((error) => (this.liveError = error));
    } finally {
      this.following = false;
      this.#stopTicker();
      this.now = Date.now();
    }
  }

  #startTicker() {
    this.#stopTicker();
    this.now = Date.now();
    this.#ticker = setInterval(() => (this.now = Date.now()), TICK_MS);
  }

  #stopTicker() {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
  }
}
