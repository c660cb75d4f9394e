import { error, redirect } from "@sveltejs/kit";
import { messageOf } from "$lib/errors";
import { ensureSession } from "$lib/session.svelte";

/** Where a member of a workspace that requires MFA, and who has none yet, is sent before anything else. */
export async function load() {
  let me;
  try {
    me = await ensureSession();
  } catch (e) {
    error(503, { message: `Could not load your account: ${messageOf(e)}` });
  }
  if (!me) redirect(307, "/login?next=/mfa-setup");
  return {};
}
