/** A collector pass that is waiting for the alarm (`queued`) or reading the vendor (`running`). */
export interface CollectorPass {
  connectionId: string;
  /** Also the id of the collector run recorded when the pass ends (`colr_…`). */
  id: string;
  state: "queued" | "running";
  /** When a person asked for it (POST /collectors/{id}/collect); null for a scheduled pass. */
  queuedAt: number | null;
  startedAt: number | null;
}

/** What asking for a pass answers: the pass to follow (`joined` when it was already queued or running) or when to ask again. */
export type PassRequest = { pass: CollectorPass; joined: boolean } | { retryAfterMs: number };

/**
 * Each collector's current pass and when a person last asked for one (runs/collectors.ts). One row per connection
 * that ever had a pass; `pass_id` and `state` are null between passes, `pressed_at` stays for the cool-down.
 */
export class CollectorPassStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The connection's queued or running pass, or null; a pass older than `staleBefore` died with its alarm and is not one. */
  current(connectionId: string, staleBefore: number): CollectorPass | null {
    return this.all(staleBefore).find((p) => p.connectionId === connectionId) ?? null;
  }

  /** Every collector's live pass (see `current`). */
  all(staleBefore: number): CollectorPass[] {
    return this.sql
      .exec(
        "SELECT connection_id, pass_id, state, queued_at, started_at FROM collector_passes WHERE pass_id IS NOT NULL AND COALESCE(started_at, queued_at) >= ?",
        staleBefore,
      )
      .toArray()
      .map((r) => ({
        connectionId: r.connection_id as string,
        id: r.pass_id as string,
        state: r.state as CollectorPass["state"],
        queuedAt: r.queued_at as number | null,
        startedAt: r.started_at as number | null,
      }));
  }

  pressedAt(connectionId: string): number | null {
    const row = this.sql.exec("SELECT pressed_at FROM collector_passes WHERE connection_id = ?", connectionId).toArray()[0];
    return (row?.pressed_at as number | null) ?? null;
  }

  /** Records a pass a person asked for, to run at the next alarm. */
  queue(connectionId: string, id: string, now: number) {
    this.sql.exec(
      `INSERT INTO collector_passes (connection_id, pass_id, state, queued_at, started_at, pressed_at) VALUES (?, ?, 'queued', ?, NULL, ?)
       ON CONFLICT (connection_id) DO UPDATE SET pass_id = excluded.pass_id, state = 'queued', queued_at = excluded.queued_at, started_at = NULL, pressed_at = excluded.pressed_at`,
      connectionId,
      id,
      now,
      now,
    );
  }

  /** Marks the pass running: the queued one keeps its id; a scheduled one gets `newId`. Returns the pass id. */
  start(connectionId: string, newId: string, now: number, staleBefore: number): string {
    const queued = this.current(connectionId, staleBefore);
    const id = queued?.state === "queued" ? queued.id : newId;
    this.sql.exec(
      `INSERT INTO collector_passes (connection_id, pass_id, state, queued_at, started_at, pressed_at) VALUES (?, ?, 'running', NULL, ?, NULL)
       ON CONFLICT (connection_id) DO UPDATE SET pass_id = excluded.pass_id, state = 'running', started_at = excluded.started_at,
         queued_at = CASE WHEN collector_passes.pass_id = excluded.pass_id THEN collector_passes.queued_at ELSE NULL END`,
      connectionId,
      id,
      now,
    );
    return id;
  }

  /** Ends the pass `id` (a later pass that replaced it is left alone). */
  finish(connectionId: string, id: string) {
    this.sql.exec(
      "UPDATE collector_passes SET pass_id = NULL, state = NULL, queued_at = NULL, started_at = NULL WHERE connection_id = ? AND pass_id = ?",
      connectionId,
      id,
    );
  }

  /** Drops a queued pass that will not run (its collector was disabled); a running one ends on its own. */
  dropQueued(connectionId: string) {
    this.sql.exec(
      "UPDATE collector_passes SET pass_id = NULL, state = NULL, queued_at = NULL, started_at = NULL WHERE connection_id = ? AND state = 'queued'",
      connectionId,
    );
  }
}
