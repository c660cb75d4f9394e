import { error, redirect } from "@sveltejs/kit";
import { messageOf } from "$lib/errors";
import { ensureSession } from "$lib/session.svelte";

/** Every page inside the app needs a session; without one, go to login and come back afterwards. */
export async function load({ url }) {
  let me;
  try {
    me = await ensureSession();
  } catch (e) {
    error(503, { message: `Could not load your account: ${messageOf(e)}` });
  }
  if (!me) redirect(307, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  // The workspace requires a second factor this person has not set up: the API answers nothing else until they do.
  if (me.mfa_setup_required) redirect(307, "/mfa-setup");
  return {};
}
