import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { isTerminal, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

type EventPage = { items: Array<{ seq: number; task: string | null; to: string }>; next_after: number };

describe("following a run's events with a long poll", () => {
  it("a waiting request answers with the next change as soon as it happens", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "followed", team: team.slug, tasks: [toolTask("long", { polls: 1000 }, { poll_interval: "1s" })] });
    const created = await api("/pipelines/followed/runs", { as: s, body: {} });
    await waitForRun(s, created.json.id, (r) => r.tasks[0].status === "triggered");
    const first = (await api(`/runs/${created.json.id}/events`, { as: s })).json as EventPage;
    expect(first.items.map((e) => `${e.task ?? "run"}:${e.to}`)).toContain("long:triggered");

    // Nothing happens until the cancel: the poll is still waiting when the cancel lands, then answers with it.
    const following = api(`/runs/${created.json.id}/events?after=${first.next_after}&wait=25`, { as: s });
    expect((await api(`/runs/${created.json.id}/cancel`, { as: s, method: "POST" })).status).toBe(200);
    const next = (await following).json as EventPage;
    expect(next.items.length).toBeGreaterThan(0);
    expect(next.items.every((e) => e.seq > first.next_after)).toBe(true);
    expect(next.items.map((e) => `${e.task ?? "run"}:${e.to}`)).toEqual(expect.arrayContaining(["long:cancelled", "run:cancelled"]));
    expect(next.next_after).toBe(next.items[next.items.length - 1].seq);
  });

  it("on an ended run it answers at once, with nothing new and the same cursor", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "quick", team: team.slug, tasks: [toolTask("only")] });
    const created = await api("/pipelines/quick/runs", { as: s, body: {} });
    const done = await waitForRun(s, created.json.id, isTerminal);
    expect(done.status).toBe("succeeded");
    const all = (await api(`/runs/${created.json.id}/events`, { as: s })).json as EventPage;
    // wait=60 is past this test's timeout: only the early answer for an ended run lets it pass.
    const res = await api(`/runs/${created.json.id}/events?after=${all.next_after}&wait=60`, { as: s });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ items: [], next_after: all.next_after });
  });

  it("refuses a wait beyond a minute", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "bounded", team: team.slug, tasks: [toolTask("only")] });
    const created = await api("/pipelines/bounded/runs", { as: s, body: {} });
    const res = await api(`/runs/${created.json.id}/events?wait=61`, { as: s });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("query.wait");
  });
});
