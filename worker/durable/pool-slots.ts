/** One attempt's row in `pool_slots`: waiting for its slots (held false) or holding them. `seq` orders the asks. */
export interface PoolSlotRow {
  seq: number;
  runId: string;
  taskKey: string;
  attempt: number;
  pool: string;
  slots: number;
  held: boolean;
  /** The attempt is over, but the cancel of its work at the tool (this claim) has not completed: the slots stay held. */
  drainingClaim: string | null;
}

/**
 * The pools' tables in the tenant's Durable Object (runs/pools.ts decides, this only reads and writes). A row is
 * keyed by its attempt, so asking twice keeps the first place in line and giving back twice frees the slots once.
 */
export class PoolSlotStore {
  constructor(private readonly sql: SqlStorage) {}

  sizes(): Map<string, number> {
    return new Map(
      this.sql
        .exec("SELECT name, slots FROM pools")
        .toArray()
        .map((r) => [r.name as string, r.slots as number]),
    );
  }

  /** Replaces the pool sizes with D1's (the source of truth, read by runs/pools.ts). */
  replaceSizes(pools: ReadonlyArray<{ name: string; slots: number }>) {
    this.sql.exec("DELETE FROM pools");
    for (const p of pools) this.sql.exec("INSERT INTO pools (name, slots) VALUES (?, ?)", p.name, p.slots);
  }

  request(runId: string, taskKey: string, attempt: number, pool: string, slots: number) {
    this.sql.exec(
      "INSERT OR IGNORE INTO pool_slots (run_id, task_key, attempt, pool, slots, held) VALUES (?, ?, ?, ?, ?, 0)",
      runId,
      taskKey,
      attempt,
      pool,
      slots,
    );
  }

  release(runId: string, taskKey: string, attempt: number) {
    this.sql.exec("DELETE FROM pool_slots WHERE run_id = ? AND task_key = ? AND attempt = ?", runId, taskKey, attempt);
  }

  /** Keeps the attempt's slots until its cancel claim completes (`releaseDrained`): the work may still run at the tool. */
  drain(runId: string, taskKey: string, attempt: number, claimId: string) {
    this.sql.exec("UPDATE pool_slots SET draining_claim = ? WHERE run_id = ? AND task_key = ? AND attempt = ?", claimId, runId, taskKey, attempt);
  }

  /** The cancel claim completed (or was given up): the slots it kept are free. True when some were. */
  releaseDrained(claimId: string): boolean {
    return this.sql.exec("DELETE FROM pool_slots WHERE draining_claim = ? RETURNING seq", claimId).toArray().length > 0;
  }

  hold(seq: number) {
    this.sql.exec("UPDATE pool_slots SET held = 1 WHERE seq = ?", seq);
  }

  /** Slots held per pool. */
  held(): Map<string, number> {
    return new Map(
      this.sql
        .exec("SELECT pool, SUM(slots) AS used FROM pool_slots WHERE held = 1 GROUP BY pool")
        .toArray()
        .map((r) => [r.pool as string, r.used as number]),
    );
  }

  /** Every row, oldest ask first. */
  rows(): PoolSlotRow[] {
    return this.sql
      .exec("SELECT * FROM pool_slots ORDER BY seq")
      .toArray()
      .map((r) => ({
        seq: r.seq as number,
        runId: r.run_id as string,
        taskKey: r.task_key as string,
        attempt: r.attempt as number,
        pool: r.pool as string,
        slots: r.slots as number,
        held: r.held === 1,
        drainingClaim: (r.draining_claim as string | null) ?? null,
      }));
  }

  /** Per pool: slots held and attempts waiting. */
  usage(): Map<string, { inUse: number; waiting: number }> {
    const out = new Map<string, { inUse: number; waiting: number }>();
    for (const r of this.sql.exec(
      "SELECT pool, SUM(CASE WHEN held = 1 THEN slots ELSE 0 END) AS in_use, SUM(1 - held) AS waiting FROM pool_slots GROUP BY pool",
    )) {
      out.set(r.pool as string, { inUse: r.in_use as number, waiting: r.waiting as number });
    }
    return out;
  }
}
