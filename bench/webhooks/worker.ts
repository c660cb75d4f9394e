import { Hono } from "hono";
import { verifyHmacSha256Hex } from "../../worker/connectors/webhook-signature";

interface Env {
  WEBHOOK_SECRET: string;
}

/** The same verification code path as Tutti's dbt Cloud receiver, and nothing else. */
const app = new Hono<{ Bindings: Env }>();
app.get("/health", (c) => c.json({ ok: true }));
app.post("/webhooks/dbt_cloud/:connectionId", async (c) => {
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (!(await verifyHmacSha256Hex(c.env.WEBHOOK_SECRET, body, c.req.header("authorization") ?? null))) return c.json({ error: "bad signature" }, 401);
  return c.json({ ok: true }, 200);
});

export default app;
