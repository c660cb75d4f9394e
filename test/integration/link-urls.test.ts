import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { signCallback } from "../../worker/lib/callback-token";
import { BASE, api, expectError } from "../helpers/api";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

/** Every URL the dashboard shows as a link is refused at the API unless it is http(s). */
describe("URLs that become dashboard links", () => {
  it("a callback's external_url must be http(s)", async () => {
    const token = await signCallback(env.TUTTI_MASTER_KEY, { tenantId: "tenant_x", runId: "run_x", taskKey: "t", attempt: 1 });
    const res = await workerFetch(`${BASE}/webhooks/callback/${token}`, {
      method: "POST",
      body: JSON.stringify({ status: "succeeded", external_url: "javascript:alert(document.cookie)" }),
    });
    const body = (await res.json()) as { error: { code: string; details: Array<{ path: string }> } };
    expect(res.status).toBe(400);
    expect(body.error.details.map((d) => d.path)).toEqual(["external_url"]);
  });

  it("a run's CI link and a data product's consumer links must be http(s)", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "linked", team: team.slug, tasks: [toolTask("a")] });
    const run = await api("/pipelines/linked/runs", { as: s, body: { ci: { url: "javascript:alert(1)" } } });
    expectError(run, 400, "validation_failed");
    expect(run.json.error.details[0].path).toBe("ci.url");
    const product = await api("/products", {
      as: s,
      body: {
        name: "board",
        title: "Board",
        team_id: team.id,
        consumers: [{ kind: "dashboard", name: "Board pack", url: "data:text/html,<script>alert(1)</script>" }],
      },
    });
    expectError(product, 400, "validation_failed");
    expect(product.json.error.details.map((d: { path: string }) => d.path)).toContain("consumers[0].url");
  });
});
