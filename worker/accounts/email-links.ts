import type { Db } from "../db/client";
import { consumeEmailToken, insertEmailToken, type EmailToken } from "../db/repo/accounts/email-tokens";
import type { PendingSignup } from "../db/schema";
import type { EmailTokenPurpose } from "../db/schema/enums";
import { sha256Hex } from "../lib/hash";
import { randomString } from "../lib/ids";

/** Link tokens: 40 characters of a 36-letter alphabet (≈ 206 bits), far beyond guessing. */
const TOKEN_LENGTH = 40;

/** Creates a link's token; only its SHA-256 is stored, so the database never holds a usable link. Returns the raw token. */
export async function issueEmailLink(
  db: Db,
  link: { purpose: EmailTokenPurpose; email: string; userId: string | null; signup: PendingSignup | null; ttlMs: number; now: number },
): Promise<string> {
  const token = randomString(TOKEN_LENGTH);
  const { ttlMs, ...rest } = link;
  await insertEmailToken(db, { ...rest, tokenHash: await sha256Hex(token), expiresAt: link.now + ttlMs });
  return token;
}

/** Uses a link once (see consumeEmailToken); null when it is unknown, used or expired. */
export async function useEmailLink(db: Db, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
  return consumeEmailToken(db, await sha256Hex(token), purpose, now);
}
