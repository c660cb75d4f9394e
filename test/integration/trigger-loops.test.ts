import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { unwrap } from "../../worker/durable/result";
import { MAX_TRIGGER_CHAIN_DEPTH } from "../../worker/engine/admission";
import { api, expectError, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { fireAlarm, isTerminal, waitForRun } from "../helpers/engine";
import { createToolConnection, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

type Run = { id: string; status: string; reason: string | null; trigger: { kind: string; ref: string | null } };

function push(s: Session, spec: Record<string, unknown>, query = "") {
  return api(`/pipelines${query}`, { as: s, body: { spec_text: JSON.stringify(spec), format: "json" } });
}

async function allRuns(s: Session): Promise<Run[]> {
  return (await api("/runs?limit=200", { as: s })).json.items;
}

describe("after: loops are refused at push time", () => {
  it("a pipeline that would start the pipeline that starts it is refused with the loop named", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "a", team: team.slug, triggers: [{ after: "b" }], tasks: [toolTask("x")] });
    const res = await push(s, { name: "b", team: team.slug, triggers: [{ after: "a" }], tasks: [toolTask("y")] });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details).toEqual([{ path: "triggers[0].after", message: expect.stringContaining("b → a → b"), line: 1, column: expect.any(Number) }]);
    expect((await api("/pipelines/b", { as: s })).status).toBe(404);
  });

  it("a longer loop across teams is refused, also as a dry run, and nothing is written", async () => {
    const { s, team } = await setupTenant();
    const other = (await api("/teams", { as: s, body: { name: "Finance" } })).json as { id: string; slug: string };
    await createToolConnection(s, other.id);
    await pushPipeline(s, { name: "ingest", team: team.slug, triggers: [{ after: "report" }], tasks: [toolTask("x")] });
    await pushPipeline(s, { name: "marts", team: other.slug, triggers: [{ after: "ingest" }], tasks: [toolTask("x")] });
    const spec = { name: "report", team: team.slug, triggers: [{ after: "finance_close" }, { after: "marts", on: "finish" }], tasks: [toolTask("x")] };
    for (const query of ["?dry_run=true", ""]) {
      const res = await push(s, spec, query);
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details).toEqual([
        {
          path: "triggers[1].after",
          message: expect.stringContaining("report → ingest → marts → report"),
          line: expect.any(Number),
          column: expect.any(Number),
        },
      ]);
    }
    expect((await api("/pipelines/report", { as: s })).status).toBe(404);
  });

  it("pushing a chain or a diamond is fine, and so is removing the trigger that made a loop", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "src", team: team.slug, tasks: [toolTask("x")] });
    await pushPipeline(s, { name: "left", team: team.slug, triggers: [{ after: "src" }], tasks: [toolTask("x")] });
    await pushPipeline(s, { name: "right", team: team.slug, triggers: [{ after: "src" }], tasks: [toolTask("x")] });
    await pushPipeline(s, { name: "joined", team: team.slug, triggers: [{ after: "left" }, { after: "right" }], tasks: [toolTask("x")] });
    // Reversing src ← joined needs src's trigger gone first; then joined → src is a plain chain again.
    expectError(await push(s, { name: "src", team: team.slug, triggers: [{ after: "joined" }], tasks: [toolTask("x")] }), 400, "validation_failed");
    await pushPipeline(s, { name: "joined", team: team.slug, tasks: [toolTask("x")] });
    expect((await push(s, { name: "src", team: team.slug, triggers: [{ after: "joined" }], tasks: [toolTask("x")] })).status).toBe(200);
  });

  it("an archived pipeline closes no loop, but pushing it back into one is refused", async () => {
    const { s, team } = await setupTenant();
    const a = { name: "a", team: team.slug, triggers: [{ after: "b" }], tasks: [toolTask("x")] };
    await pushPipeline(s, a);
    expect((await api("/pipelines/a", { as: s, method: "DELETE" })).status).toBe(200);
    await pushPipeline(s, { name: "b", team: team.slug, triggers: [{ after: "a" }], tasks: [toolTask("y")] });
    const restore = await push(s, a);
    expectError(restore, 400, "validation_failed");
    expect(restore.json.error.message).toContain("a → b → a");
    expect((await api("/pipelines/a", { as: s })).json.archived_at).not.toBeNull();
  });
});

describe("the trigger chain depth limit", () => {
  it(`a loop that slipped past the push check stops after ${MAX_TRIGGER_CHAIN_DEPTH} hops: the next run is skipped with the reason`, async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "ping", team: team.slug, triggers: [{ after: "pong" }], tasks: [toolTask("x")] });
    const b = await pushPipeline(s, { name: "pong", team: team.slug, tasks: [toolTask("y")] });
    // A spec stored before the check existed (or by a push racing another): pong now runs after ping too.
    await (await tenantD1(s.tenant.id))
      .prepare(`UPDATE pipeline_versions SET spec = json_set(spec, '$.triggers', json('[{"after":"ping","on":"success"}]')) WHERE tenant_id = ? AND id = ?`)
      .bind(s.tenant.id, b.version.id)
      .run();
    unwrap(await tenantRuns(env, s.tenant.id).syncPipeline(s.tenant.id, b.pipeline.id));

    const first = await api("/pipelines/ping/runs", { as: s, body: {} });
    expect(first.status).toBe(201);
    await drain();
    const runs = await allRuns(s);
    const skipped = runs.find((r) => r.status === "skipped");
    expect(skipped?.reason).toContain(`limit ${MAX_TRIGGER_CHAIN_DEPTH}`);
    expect(skipped?.trigger.kind).toBe("upstream");
    // The first run plus MAX_TRIGGER_CHAIN_DEPTH upstream-triggered ones ran; the one past the limit never started.
    const succeeded = runs.filter((r) => r.status === "succeeded");
    expect(succeeded).toHaveLength(MAX_TRIGGER_CHAIN_DEPTH + 1);
    const events = (await api(`/runs/${skipped!.id}/events`, { as: s })).json.items as Array<{ to: string; reason: string }>;
    expect(events.map((e) => e.to)).not.toContain("running");

    // Nothing follows the skipped run, however often the engine wakes.
    await waitForRun(s, skipped!.id, isTerminal);
    await fireAlarm(s.tenant.id);
    await drain();
    expect(await allRuns(s)).toHaveLength(MAX_TRIGGER_CHAIN_DEPTH + 2);
  });
});
