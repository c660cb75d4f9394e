import type { BackfillControl } from "../engine/backfill-control";

/**
 * What each backfill was told (runs/backfills.ts). A backfill without a row is running: backfills made before controls
 * existed need none. Rows stay while the object lives (one small row per backfill), so `seq` never restarts and a
 * write of an older change to D1 can always be recognised.
 */
export class BackfillControlStore {
  constructor(private readonly sql: SqlStorage) {}

  get(id: string): { control: BackfillControl; seq: number } {
    const row = this.sql.exec("SELECT control, seq FROM backfill_controls WHERE id = ?", id).toArray()[0];
    return row ? { control: row.control as BackfillControl, seq: row.seq as number } : { control: "running", seq: 0 };
  }

  /** Stores the new control with the next sequence number, which it returns. */
  set(id: string, control: BackfillControl): number {
    const row = this.sql
      .exec(
        "INSERT INTO backfill_controls (id, control, seq) VALUES (?, ?, 1) ON CONFLICT (id) DO UPDATE SET control = excluded.control, seq = seq + 1 RETURNING seq",
        id,
        control,
      )
      .one();
    return row.seq as number;
  }

  /** Backfills whose queued runs must not start: paused or cancelled. */
  held(): Set<string> {
    return new Set(
      this.sql
        .exec("SELECT id FROM backfill_controls WHERE control != 'running'")
        .toArray()
        .map((r) => r.id as string),
    );
  }
}
