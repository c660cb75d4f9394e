import { redirect } from "@sveltejs/kit";
import { requireSession } from "$lib/session-guard";

/** Every page inside the app needs a session; without one, go to login and come back afterwards. */
export async function load({ url }) {
  const me = await requireSession(url);
  // The workspace requires a second factor this person has not set up: the API answers nothing else until they do.
  if (me.mfa_setup_required) redirect(307, "/mfa-setup");
  return {};
}
