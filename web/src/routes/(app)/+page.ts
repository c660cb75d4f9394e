import { alertsApi } from "$lib/api/alerts";
import { costsApi } from "$lib/api/costs";
import { productsApi } from "$lib/api/products";
import { runsApi } from "$lib/api/runs";
import { rangeOf } from "$lib/range";
import { Resource } from "$lib/resource.svelte";

/**
 * The Overview is the first page after sign-in, so its reads start here: SvelteKit runs this load beside the app
 * layout's session check (`+layout.ts`), not after it, and a cold visit no longer waits for /me before asking for
 * its data. Reads need no CSRF token; signed out, they answer 401 and go to the login page as the layout does.
 * `?range=` (7d, 30d, 90d; month to date without it) is the window of the spend and usage figures; choosing another
 * range changes the URL and so runs this load again.
 */
export function load({ url }: { url: URL }) {
  const range = rangeOf(url);
  const overview = {
    ranking: new Resource(() => productsApi.ranking({ range })),
    budgets: new Resource(() => costsApi.budgets()),
    failedRuns: new Resource(() => runsApi.list({ status: "failed" }, undefined, 5)),
    anyRun: new Resource(() => runsApi.list({}, undefined, 1)),
    openAlerts: new Resource(() => alertsApi.list({ status: "open" })),
  };
  for (const resource of Object.values(overview)) void resource.load();
  return { overview, range };
}
