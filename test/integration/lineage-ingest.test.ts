import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { createToken, firstTeamId } from "../helpers/fixtures";
import { acceptedEventFiles, appleFiles, incompleteEventFiles, openLineageFixtures } from "../helpers/lineage-fixtures";
import { withWritesInFlightTogether } from "../helpers/in-flight";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { tenantD1 } from "../helpers/tenant-db";

const fixture = (name: string) => openLineageFixtures[`openlineage/${name}`];

async function datasetByName(token: string, namespace: string, name: string) {
  const res = await api(`/datasets?namespace=${encodeURIComponent(namespace)}&name=${encodeURIComponent(name)}`, { as: token });
  expect(res.status).toBe(200);
  return res.json.items[0] as { id: string; namespace: string; name: string; owner_team: { id: string } | null } | undefined;
}

const runEventCounts = async (tenantId: string) =>
  (
    await (await tenantD1(tenantId)).prepare("SELECT event_count FROM job_runs WHERE tenant_id = ? ORDER BY id").bind(tenantId).all<{ event_count: number }>()
  ).results.map((r) => r.event_count);

/** The `events` figure of each lineage.ingest audit entry. */
const ingestAudits = async (tenantId: string) =>
  (
    await (
      await tenantD1(tenantId)
    )
      .prepare("SELECT details FROM audit_log WHERE tenant_id = ? AND action = 'lineage.ingest'")
      .bind(tenantId)
      .all<{ details: string }>()
  ).results.map((r) => JSON.parse(r.details).events as number);

async function gzipText(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("OpenLineage receiver: accepting real events", () => {
  it("accepts every complete fixture event, one at a time", async () => {
    const { token } = await lineageTenant();
    for (const file of acceptedEventFiles) {
      const res = await postEvent(token, openLineageFixtures[file]);
      expect(res.status, `${file}: ${res.text}`).toBe(201);
      expect(res.json.status).toBe("accepted");
    }
  });

  it("accepts every complete fixture event in one batch", async () => {
    const { token } = await lineageTenant();
    const events = acceptedEventFiles.map((f) => JSON.parse(openLineageFixtures[f]));
    const res = await api("/lineage/batch", { as: token, body: events });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      status: "success",
      summary: { received: events.length, successful: events.length, failed: 0, retriable: 0, non_retriable: 0 },
      failed_events: [],
    });
  });

  it("produces the datasets, job, run and edges an event describes", async () => {
    const { s, teamId, token } = await lineageTenant();
    expect((await postEvent(token, fixture("marquez_event_simple.json"))).status).toBe(201);
    const in1 = await datasetByName(token, "my-datasource-namespace", "instance.schema.input-1");
    const in2 = await datasetByName(token, "my-datasource-namespace", "instance.schema.input-2");
    const out = await datasetByName(token, "my-datasource-namespace", "instance.schema.output-1");
    expect(in1 && in2 && out).toBeTruthy();
    expect(out!.owner_team?.id).toBe(teamId);
    const jobs = await api("/jobs?namespace=my-scheduler-namespace&name=myjob", { as: token });
    const job = jobs.json.items[0];
    expect(job.latest_run_state).toBe("succeeded");
    const graph = await api(`/lineage/graph?node=${job.id}&direction=both&depth=1`, { as: token });
    expect(graph.status).toBe(200);
    const edges = graph.json.edges.map((e: any) => `${e.from}>${e.to}:${e.kind}`).sort();
    expect(edges).toEqual([`${in1!.id}>${job.id}:input`, `${in2!.id}>${job.id}:input`, `${job.id}>${out!.id}:output`].sort());
    const outDetail = await api(`/datasets/${out!.id}`, { as: token });
    expect(outDetail.json.last_write_at).toBe("2020-12-28T09:52:00.001Z");
    const counts = await lineageRowCounts(s.tenant.id);
    expect(counts).toMatchObject({ datasets: 3, jobs: 1, job_runs: 1, lineage_edges: 3, lineage_events: 1, job_run_datasets: 3 });
  });

  it("the apples chain forms one connected graph", async () => {
    const { s, token } = await lineageTenant();
    for (const f of appleFiles) expect((await postEvent(token, openLineageFixtures[f])).status).toBe(201);
    const edges = await (await tenantD1(s.tenant.id))
      .prepare("SELECT from_node, to_node FROM lineage_edges WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .all<{ from_node: string; to_node: string }>();
    const nodes = new Set(edges.results.flatMap((e) => [e.from_node, e.to_node]));
    // 9 datasets (red.delicious, crab.apples, apples, cinnamon, sugar, filling, cider, vinegar, pie) and 5 jobs.
    expect(nodes.size).toBe(14);
    const adjacent = new Map<string, string[]>();
    for (const e of edges.results) {
      adjacent.set(e.from_node, [...(adjacent.get(e.from_node) ?? []), e.to_node]);
      adjacent.set(e.to_node, [...(adjacent.get(e.to_node) ?? []), e.from_node]);
    }
    const start = edges.results[0].from_node;
    const seen = new Set([start]);
    const queue = [start];
    while (queue.length)
      for (const n of adjacent.get(queue.shift()!) ?? [])
        if (!seen.has(n)) {
          seen.add(n);
          queue.push(n);
        }
    expect(seen.size).toBe(nodes.size);

    const pie = await datasetByName(token, "grandmas.kitchen", "apple.pie");
    const up = await api(`/lineage/graph?node=${pie!.id}&direction=upstream&depth=all`, { as: token });
    const upNames = up.json.nodes
      .filter((n: any) => n.type === "dataset")
      .map((n: any) => n.name)
      .sort();
    expect(upNames).toEqual(["apple.filling", "apple.pie", "apples", "cinnamon", "crab.apples", "red.delicious", "sugar"]);
    const apples = await datasetByName(token, "grandmas.kitchen", "apples");
    const down = await api(`/lineage/graph?node=${apples!.id}&direction=downstream&depth=all`, { as: token });
    const downNames = down.json.nodes
      .filter((n: any) => n.type === "dataset")
      .map((n: any) => n.name)
      .sort();
    expect(downNames).toEqual(["apple.cider", "apple.filling", "apple.pie", "apple.vinegar", "apples"]);
    const rootNode = down.json.nodes.find((n: any) => n.id === apples!.id);
    expect(rootNode.depth).toBe(0);
    expect(down.json.nodes.find((n: any) => n.name === "apple.vinegar").depth).toBe(4);
  });

  it("the large event is accepted and kept whole, viewable per run", async () => {
    const { token } = await lineageTenant();
    const text = fixture("marquez_event_large.json");
    expect((await postEvent(token, text)).status).toBe(201);
    const job = (await api("/jobs?namespace=my-scheduler-namespace&name=myjob.mytask", { as: token })).json.items[0];
    const runs = await api(`/jobs/${job.id}/runs`, { as: token });
    expect(runs.json.items).toHaveLength(1);
    const events = await api(`/job-runs/${runs.json.items[0].id}/events`, { as: token });
    expect(events.status).toBe(200);
    expect(events.json.items).toHaveLength(1);
    expect(events.json.items[0].event).toEqual(JSON.parse(text));
    expect(events.json.items[0].size_bytes).toBe(new TextEncoder().encode(text).length);
  });

  it("accepts gzip-compressed bodies", async () => {
    const { token } = await lineageTenant();
    const body = await gzipText(fixture("marquez_event_unicode.json"));
    const res = await api("/lineage", { as: token, rawBody: body, headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    expect(res.status, res.text).toBe(201);
    const jobs = await api(`/jobs?name=${encodeURIComponent("myjob.buggy_task🕷")}`, { as: token });
    expect(jobs.json.items).toHaveLength(1);
    const batch = await gzipText(JSON.stringify([JSON.parse(fixture("marquez_event_simple.json"))]));
    const res2 = await api("/lineage/batch", { as: token, rawBody: batch, headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    expect(res2.json.status).toBe("success");
  });

  it("reads timestamps without a zone as UTC and keeps milliseconds of nanosecond times", async () => {
    const { token } = await lineageTenant();
    await postEvent(token, fixture("marquez_event_required_no_timezone.json"));
    const job = (await api("/jobs?namespace=my-namespace&name=myjob", { as: token })).json.items[0];
    const runs = await api(`/jobs/${job.id}/runs`, { as: token });
    const events = await api(`/job-runs/${runs.json.items[0].id}/events`, { as: token });
    expect(events.json.items[0].event_time).toBe("2020-12-28T19:51:01.641Z");
  });
});

describe("OpenLineage receiver: retries, ordering and facets", () => {
  it("a retried event is stored once and changes nothing", async () => {
    const { s, token } = await lineageTenant();
    const first = await postEvent(token, fixture("marquez_event_full.json"));
    const before = await lineageRowCounts(s.tenant.id);
    const again = await postEvent(token, fixture("marquez_event_full.json"));
    expect(first.json.status).toBe("accepted");
    expect(again.status).toBe(201);
    expect(again.json.status).toBe("duplicate");
    expect(await lineageRowCounts(s.tenant.id)).toEqual(before);
    const run = await (await tenantD1(s.tenant.id))
      .prepare("SELECT event_count FROM job_runs WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .first<{ event_count: number }>();
    expect(run!.event_count).toBe(1);
  });

  it("copies of one event sent at the same moment are accepted once, counted once and audited once", async () => {
    const { s, token } = await lineageTenant();
    const results = await withWritesInFlightTogether(/INSERT INTO lineage_events/, 6, () =>
      Promise.all(Array.from({ length: 6 }, () => postEvent(token, fixture("marquez_event_full.json")))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(results.map((r) => r.json.status).sort()).toEqual(["accepted", ...Array(5).fill("duplicate")]);
    expect(await runEventCounts(s.tenant.id)).toEqual([1]);
    expect((await lineageRowCounts(s.tenant.id)).lineage_events).toBe(1);
    expect(await ingestAudits(s.tenant.id)).toEqual([1]);
  });

  it("duplicates inside a batch and across batches sent at the same moment count once", async () => {
    const { s, token } = await lineageTenant();
    const complete = JSON.parse(fixture("marquez_event_full.json"));
    const start = { ...complete, eventType: "START", eventTime: "2020-12-28T19:50:01.641Z" };
    const batch = [start, complete, start];
    const results = await withWritesInFlightTogether(/INSERT INTO lineage_events/, 4, () =>
      Promise.all(Array.from({ length: 4 }, () => api("/lineage/batch", { as: token, body: batch }))),
    );
    for (const r of results) expect(r.json.summary, r.text).toEqual({ received: 3, successful: 3, failed: 0, retriable: 0, non_retriable: 0 });
    expect(await runEventCounts(s.tenant.id)).toEqual([2]);
    expect((await lineageRowCounts(s.tenant.id)).lineage_events).toBe(2);
    expect((await ingestAudits(s.tenant.id)).reduce((a, n) => a + n, 0)).toBe(2);
    // The same events sent one at a time afterwards are all duplicates and change nothing.
    const single = await postEvent(token, JSON.stringify(start));
    expect(single.json.status).toBe("duplicate");
    expect(await runEventCounts(s.tenant.id)).toEqual([2]);
  });

  it("a facet with the same name replaces the earlier one; _deleted removes it; an older event does not win", async () => {
    const { token } = await lineageTenant();
    const dsEvent = (time: string, facets: Record<string, unknown>) =>
      JSON.stringify({ eventTime: time, producer: "https://example.com/test", dataset: { namespace: "pg://db:5432", name: "shop.public.orders", facets } });
    const schema = (...cols: string[]) => ({ _producer: "p", _schemaURL: "s", fields: cols.map((name) => ({ name, type: "INT" })) });
    const docs = (description: string) => ({ _producer: "p", _schemaURL: "s", description });
    await postEvent(
      token,
      dsEvent("2026-01-01T10:00:00Z", { schema: schema("a"), documentation: docs("first"), ownership: { _producer: "p", _schemaURL: "s", owners: [] } }),
    );
    await postEvent(token, dsEvent("2026-01-01T11:00:00Z", { schema: schema("a", "b") }));
    await postEvent(token, dsEvent("2026-01-01T09:00:00Z", { schema: schema("stale"), documentation: docs("older") }));
    await postEvent(token, dsEvent("2026-01-01T12:00:00Z", { ownership: { _producer: "p", _schemaURL: "s", _deleted: true } }));
    const ds = await datasetByName(token, "pg://db:5432", "shop.public.orders");
    const detail = await api(`/datasets/${ds!.id}`, { as: token });
    expect(detail.json.schema.map((f: any) => f.name)).toEqual(["a", "b"]);
    expect(detail.json.description).toBe("first");
    expect(Object.keys(detail.json.facets).sort()).toEqual(["documentation", "schema"]);
    expect(detail.json.facets.schema.fields).toHaveLength(2);
    const events = await api(`/datasets/${ds!.id}/events`, { as: token });
    expect(events.json.items.map((e: any) => e.event_time)).toEqual([
      "2026-01-01T09:00:00.000Z",
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T11:00:00.000Z",
      "2026-01-01T12:00:00.000Z",
    ]);
  });

  it("run state follows the lifecycle and a late START does not reopen a completed run", async () => {
    const { token } = await lineageTenant();
    const runId = "0191f3c4-7d2e-7a31-9c1b-2f6e8d4a5b10";
    const ev = (eventType: string, time: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        eventType,
        eventTime: time,
        producer: "https://example.com/test",
        run: { runId },
        job: { namespace: "airflow", name: "etl.load" },
        ...extra,
      });
    await postEvent(token, ev("COMPLETE", "2026-02-01T10:05:00Z", { outputs: [{ namespace: "s3://lake", name: "orders" }] }));
    await postEvent(token, ev("START", "2026-02-01T10:00:00Z", { inputs: [{ namespace: "s3://raw", name: "orders" }] }));
    await postEvent(token, ev("OTHER", "2026-02-01T10:01:00Z"));
    const job = (await api("/jobs?namespace=airflow&name=etl.load", { as: token })).json.items[0];
    const run = (await api(`/jobs/${job.id}/runs`, { as: token })).json.items[0];
    expect(run).toMatchObject({
      state: "succeeded",
      started_at: "2026-02-01T10:00:00.000Z",
      ended_at: "2026-02-01T10:05:00.000Z",
      external_id: runId,
      event_count: 3,
    });
    const detail = await api(`/job-runs/${run.id}`, { as: token });
    expect(detail.json.inputs.map((i: any) => i.dataset.name)).toEqual(["orders"]);
    expect(detail.json.outputs.map((i: any) => i.dataset.namespace)).toEqual(["s3://lake"]);
  });

  it("keeps quality assertions, output statistics and column lineage", async () => {
    const { token } = await lineageTenant();
    await postEvent(token, fixture("example_full_event.json"));
    const ds = await datasetByName(token, "my-datasource-namespace", "instance.schema.table");
    const quality = await api(`/datasets/${ds!.id}/quality`, { as: token });
    expect(quality.json.items.map((q: any) => [q.check, q.column, q.status, q.source]).sort()).toEqual([
      ["no_null_values", "id", "pass", "openlineage"],
      ["row_count_equal_to", null, "pass", "openlineage"],
    ]);
    const runs = await api(`/datasets/${ds!.id}/runs?role=output`, { as: token });
    expect(runs.json.items[0]).toMatchObject({ row_count: 2000, bytes: 2097152 });

    const columnEvent = {
      eventType: "COMPLETE",
      eventTime: "2026-03-01T00:00:00Z",
      producer: "https://example.com/spark",
      run: { runId: "5f24c93c-2ce9-49dc-82e7-95ab4915242f" },
      job: { namespace: "spark", name: "clients" },
      inputs: [{ namespace: "hive", name: "test.ol_clients" }],
      outputs: [
        {
          namespace: "hive",
          name: "test.second_ol_clients",
          facets: {
            columnLineage: {
              _producer: "p",
              _schemaURL: "s",
              fields: {
                client_name: {
                  inputFields: [
                    { namespace: "hive", name: "test.ol_clients", field: "client_name", transformations: [{ type: "DIRECT", subtype: "IDENTITY" }] },
                  ],
                },
              },
            },
          },
        },
      ],
    };
    await postEvent(token, JSON.stringify(columnEvent));
    const out = await datasetByName(token, "hive", "test.second_ol_clients");
    const columns = await api(`/datasets/${out!.id}/column-lineage`, { as: token });
    expect(columns.json.edges).toEqual([
      expect.objectContaining({
        from: { dataset: expect.objectContaining({ name: "test.ol_clients" }), field: "client_name" },
        to: { dataset: expect.objectContaining({ name: "test.second_ol_clients" }), field: "client_name" },
      }),
    ]);
  });
});

describe("OpenLineage receiver: bad input", () => {
  it("rejects every incomplete fixture with a 400 naming the missing field, and stores nothing", async () => {
    const { s, token } = await lineageTenant();
    const expected: Record<string, string> = {
      "openlineage/incomplete/flink1_expected_iceberg.json": "eventTime",
      "openlineage/incomplete/flink1_expected_kafka.json": "eventTime",
      "openlineage/incomplete/spark_expected_applicationLevelStartApplication.json": "run.runId",
      "openlineage/incomplete/spark_expected_columnLineageSingleInputComplete.json": "eventTime",
      "openlineage/incomplete/spark_expected_pysparkKafkaReadCompleteEvent.json": "run.runId",
      "openlineage/incomplete/spark_serde_openlineage_event.json": "producer",
    };
    // One fixture is an array of events: not one event, and as a batch every element lacks eventTime, producer and run.runId.
    const arrayFile = incompleteEventFiles.find((file) => file.endsWith("dbt_duckdb_result.json"));
    expect(incompleteEventFiles.filter((file) => file !== arrayFile).sort()).toEqual(Object.keys(expected).sort());
    expectError(await postEvent(token, openLineageFixtures[arrayFile!]), 400, "validation_failed");
    const batch = await api("/lineage/batch", { as: token, rawBody: openLineageFixtures[arrayFile!], headers: { "content-type": "application/json" } });
    expect(batch.json.status).toBe("failure");
    expect(batch.json.failed_events.map((f: any) => f.details.map((d: any) => d.path))).toEqual([
      ["eventTime", "producer", "run.runId"],
      ["eventTime", "producer", "run.runId"],
    ]);
    for (const [file, field] of Object.entries(expected)) {
      const res = await postEvent(token, openLineageFixtures[file]);
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: any) => d.path),
        file,
      ).toContain(field);
    }
    const counts = await lineageRowCounts(s.tenant.id);
    expect(
      Object.values(counts).every((n) => n === 0),
      JSON.stringify(counts),
    ).toBe(true);
  });

  it("names the field for malformed JSON, missing run id, job, namespace or name, and wrong types", async () => {
    const { s, token } = await lineageTenant();
    const good = JSON.parse(fixture("marquez_event_simple.json"));
    const cases: Array<[string, string]> = [
      ["{not json", "body"],
      [JSON.stringify({ ...good, run: {} }), "run.runId"],
      [JSON.stringify({ ...good, run: { runId: "not-a-uuid" } }), "run.runId"],
      [JSON.stringify({ ...good, job: undefined }), "job"],
      [JSON.stringify({ ...good, job: { name: "x" } }), "job.namespace"],
      [JSON.stringify({ ...good, job: { namespace: "x" } }), "job.name"],
      [JSON.stringify({ ...good, inputs: [{ namespace: "a" }] }), "inputs[0].name"],
      [JSON.stringify({ ...good, outputs: [{ name: "a", namespace: 7 }] }), "outputs[0].namespace"],
      [JSON.stringify({ ...good, eventTime: 1609185121 }), "eventTime"],
      [JSON.stringify({ ...good, eventTime: "yesterday" }), "eventTime"],
      [JSON.stringify({ ...good, inputs: "none" }), "inputs"],
      [JSON.stringify({ ...good, job: { ...good.job, facets: { sql: "SELECT 1" } } }), "job.facets.sql"],
      [JSON.stringify({ ...good, producer: undefined }), "producer"],
      [JSON.stringify([good]), "(root)"],
      ["", "body"],
    ];
    for (const [body, path] of cases) {
      const res = await postEvent(token, body);
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: any) => d.path),
        body.slice(0, 80),
      ).toContain(path);
    }
    const batch = await api("/lineage/batch", { as: token, body: { not: "an array" } });
    expectError(batch, 400, "validation_failed");
    const counts = await lineageRowCounts(s.tenant.id);
    expect(
      Object.values(counts).every((n) => n === 0),
      JSON.stringify(counts),
    ).toBe(true);
  });

  it("a text or form body is refused with 415 and nothing is stored, for single events and batches", async () => {
    const { s, token } = await lineageTenant();
    const event = fixture("marquez_event_simple.json");
    for (const [path, body] of [
      ["/lineage", event],
      ["/lineage/batch", `[${event}]`],
    ] as const) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]) {
        const res = await api(path, { as: token, rawBody: body, headers: { "content-type": type } });
        expectError(res, 415, "unsupported_media_type");
        expect(res.json.error.details).toEqual([{ path: "header.Content-Type", message: "must be application/json" }]);
      }
      expectError(await api(path, { as: token, rawBody: body }), 415, "unsupported_media_type");
    }
    const counts = await lineageRowCounts(s.tenant.id);
    expect(
      Object.values(counts).every((n) => n === 0),
      JSON.stringify(counts),
    ).toBe(true);
    // JSON with a charset parameter is JSON.
    expect((await postEvent(token, event, { "content-type": "application/json; charset=utf-8" })).status).toBe(201);
  });

  it("a batch stores its valid events and reports each invalid one by index", async () => {
    const { s, token } = await lineageTenant();
    const good = JSON.parse(fixture("marquez_event_simple.json"));
    const res = await api("/lineage/batch", {
      as: token,
      body: [good, { ...good, run: { runId: "nope" } }, JSON.parse(fixture("serde_example_dataset_event.json"))],
    });
    expect(res.json.status).toBe("partial_success");
    expect(res.json.summary).toEqual({ received: 3, successful: 2, failed: 1, retriable: 0, non_retriable: 1 });
    expect(res.json.failed_events[0]).toMatchObject({ index: 1, retriable: false, details: [{ path: "run.runId", message: "must be a UUID" }] });
    expect((await lineageRowCounts(s.tenant.id)).lineage_events).toBe(2);
  });

  it("bodies over 8 MiB are refused with 413, before or after decompression", async () => {
    const { s, token } = await lineageTenant();
    const big = JSON.stringify({ ...JSON.parse(fixture("marquez_event_simple.json")), padding: "x".repeat(8 * 1024 * 1024) });
    expectError(await postEvent(token, big), 413, "payload_too_large");
    const bomb = await gzipText(big);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expectError(
      await api("/lineage/batch", { as: token, rawBody: bomb, headers: { "content-type": "application/json", "content-encoding": "gzip" } }),
      413,
      "payload_too_large",
    );
    expect(Object.values(await lineageRowCounts(s.tenant.id)).every((n) => n === 0)).toBe(true);
  });

  it("a facet over the per-facet limit is refused with 413 naming it", async () => {
    const { token } = await lineageTenant();
    const ev = {
      ...JSON.parse(fixture("marquez_event_simple.json")),
      job: { namespace: "n", name: "j", facets: { huge: { _producer: "p", blob: "y".repeat(1_100_000) } } },
    };
    const res = await postEvent(token, JSON.stringify(ev));
    expectError(res, 413, "payload_too_large");
    expect(res.json.error.details[0].path).toBe("job.facets.huge");
  });

  it("needs the lineage:write scope", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const { token } = await createToken(s, teamId, ["read"]);
    expectError(await postEvent(token, fixture("marquez_event_simple.json")), 403, "forbidden");
    expectError(await postEvent("tt_test_nope", fixture("marquez_event_simple.json")), 401, "unauthorized");
  });

  it("refuses encodings it cannot read", async () => {
    const { token } = await lineageTenant();
    expectError(
      await api("/lineage", {
        as: token,
        rawBody: fixture("marquez_event_simple.json"),
        headers: { "content-type": "application/json", "content-encoding": "br" },
      }),
      415,
      "unsupported_media_type",
    );
  });
});
