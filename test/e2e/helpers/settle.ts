import { waitUntil } from "./processes";

/** GET on the API as the workspace's owner: status and parsed body. */
export type ApiGet = (path: string) => Promise<{ status: number; json: any }>;

const BUSY_DELIVERIES = new Set(["pending", "sending", "retrying"]);

/**
 * Waits until a workspace leaves nothing running: none of its runs queued or running (so no more triggers or
 * polls) and no alert delivery still waiting to be sent or retried. Called before a file's fakes close, so the next
 * file does not share the server with leftover work calling a closed port. A context that is not signed in (401)
 * has nothing to wait for.
 */
export async function waitForIdleWorkspace(get: ApiGet, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    async () => {
      const runs = await get("/api/v1/runs?status=queued,running&limit=1");
      if (runs.status === 401) return true;
      if (runs.status !== 200 || runs.json.items.length) return false;
      const alerts = await get("/api/v1/alerts?limit=200");
      if (alerts.status !== 200) return alerts.status === 403;
      for (const alert of alerts.json.items as Array<{ id: string }>) {
        const detail = await get(`/api/v1/alerts/${alert.id}`);
        if (detail.status !== 200 || (detail.json.deliveries as Array<{ status: string }>).some((d) => BUSY_DELIVERIES.has(d.status))) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: "the workspace's runs to end and its alert deliveries to be sent" },
  );
}
