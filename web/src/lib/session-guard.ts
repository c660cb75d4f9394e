import { error, redirect } from "@sveltejs/kit";
import { messageOf } from "$lib/errors";
import { ensureSession } from "$lib/session.svelte";

/**
 * The load guard of a page that needs a session: the signed-in person, or a redirect to the sign-in page that comes
 * back to `url` afterwards; an error page (503) when the account cannot be loaded.
 */
export async function requireSession(url: URL) {
  let me;
  try {
    me = await ensureSession();
  } catch (e) {
    error(503, { message: `Could not load your account: ${messageOf(e)}` });
  }
  if (!me) redirect(307, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  return me;
}
