import { requireSession } from "$lib/session-guard";

/** Where a member of a workspace that requires MFA, and who has none yet, is sent before anything else. */
export async function load({ url }) {
  await requireSession(url);
  return {};
}
