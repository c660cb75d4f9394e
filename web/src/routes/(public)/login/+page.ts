import { redirect } from "@sveltejs/kit";
import { safeNextPath } from "$lib/paths";
import { ensureSession } from "$lib/session.svelte";

/** Someone already signed in who opens /login goes where they were heading. */
export async function load({ url }) {
  const me = await ensureSession().catch(() => null);
  if (me) redirect(307, safeNextPath(url.searchParams.get("next")));
  return {};
}
