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
  return {};
}
