import { requireSession } from "$lib/session-guard";

/** The first steps after sign-up: needs a session, like the app. */
export async function load({ url }) {
  await requireSession(url);
  return {};
}
