import { desc, eq } from "drizzle-orm";
import type { Db } from "../../client";
import { devOutbox } from "../../schema";
import { newId } from "../../../lib/ids";

export type CapturedMail = typeof devOutbox.$inferSelect;

/** Local development and tests only (worker/mail/send.ts decides): keeps a mail instead of sending it. */
export async function captureMail(db: Db, mail: { to: string; subject: string; text: string; html: string }, now: number) {
  await db.insert(devOutbox).values({ id: newId("mail"), ...mail, createdAt: now });
}

/** Captured mails, newest first; only those to `to` when given. */
export async function listCapturedMail(db: Db, f: { to?: string; limit: number }): Promise<CapturedMail[]> {
  return db
    .select()
    .from(devOutbox)
    .where(f.to ? eq(devOutbox.to, f.to) : undefined)
    .orderBy(desc(devOutbox.createdAt), desc(devOutbox.id))
    .limit(f.limit);
}
