/** True when a D1 write failed on a UNIQUE or PRIMARY KEY constraint (the message may sit on the cause). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { message?: string; cause?: { message?: string } } | null;
  return /UNIQUE constraint failed|PRIMARY KEY/i.test(`${e?.message ?? ""} ${e?.cause?.message ?? ""}`);
}
