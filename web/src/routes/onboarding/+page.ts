import { error, redirect } from "@sveltejs/kit";
import { messageOf } from "$lib/errors";
import { ensureSession } from "$lib/session.svelte";

export async function load() {
  let me;
  try {
    me = await ensureSession();
  } catch (e) {
    error(503, { message: `Could not load your account: ${messageOf(e)}` });
  }
  if (!me) redirect(307, "/login?next=/onboarding");
  return {};
}
