import { createRoute, z } from "@hono/zod-openapi";
import { readStream } from "../../lib/gzip";
import type { Router } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { catalogIdsOfDbtNodes, costByDataset, modelBuilds } from "../../db/repo/lineage/ci-impact";
import { findDbtProject, getDbtUpload, type DbtUpload } from "../../db/repo/lineage/dbt";
import { openStoredArtifact } from "../../ingest/stored-artifact";
import { datasetOwnership, downstreamOf } from "../../db/repo/pipelines/ownership";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { productionVersion } from "../../db/repo/pipelines/environments";
import { productsContainingDatasets } from "../../db/repo/products/membership";
import { listTeams } from "../../db/repo/accounts/teams";
import { estimateCostChange } from "../../ci/cost-estimate";
import { impactMarkdown, type ImpactReport } from "../../ci/impact";
import { diffManifests, summarizeManifest, type ManifestDiff } from "../../ci/manifest-diff";
import { invalid, notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { diffSpecs } from "../../pipelines/diff";
import { contentHash } from "../../pipelines/hash";
import { formatSyntaxError, parseSpecText, specFormats } from "../../pipelines/parse";
import { registrySpecDeps } from "../../pipelines/registry-deps";
import { validateSpec } from "../../pipelines/validate";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";

const COST_WINDOW_DAYS = 30;

const NodeRef = z.object({ unique_id: z.string().min(1).max(500), resource_type: z.string().max(40), name: z.string().max(300) });
const Materialized = z
  .string()
  .max(60)
  .nullable()
  .optional()
  .openapi({ description: "The PR's `config.materialized`: what the cost estimate prices the model by" });
const Changes = z
  .strictObject({
    modified: z
      .array(NodeRef.extend({ changes: z.array(z.enum(["body", "config", "contract"])), breaking_contract: z.boolean(), materialized: Materialized }))
      .max(20_000),
    added: z.array(NodeRef.extend({ materialized: Materialized })).max(20_000),
    removed: z.array(NodeRef).max(20_000),
  })
  .openapi("ManifestChanges", { description: "What `tutti ci impact` computed locally against the downloaded production manifest" });

const ImpactBody = z
  .strictObject({
    project: z.string().min(1).max(200).openapi({ example: "jaffle_shop" }),
    environment: z.string().min(1).max(64).default("prod").openapi({ description: "The environment whose manifest is the baseline" }),
    changes: Changes.optional(),
    manifest: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "The PR's target/manifest.json, compared here with the stored baseline (send `changes` instead for large manifests)" }),
    pipelines: z
      .array(
        z.strictObject({
          spec_text: z
            .string()
            .min(1)
            .max(512 * 1024),
          format: z.enum(specFormats).optional(),
          file: z.string().max(500).optional(),
        }),
      )
      .max(500)
      .default([])
      .openapi({ description: "The PR's pipeline specs, diffed against what production runs" }),
  })
  .openapi("CiImpactRequest");

const TeamRef = z.object({ id: z.string(), name: z.string() }).nullable();
const ImpactOut = z
  .object({
    project: z.string(),
    environment: z.string(),
    owner_team: TeamRef,
    changes: Changes,
    downstream: z.array(
      z.object({ id: z.string(), name: z.string(), namespace: z.string(), owner_team: TeamRef, other_team: z.boolean(), direct: z.boolean() }),
    ),
    products: z.array(z.object({ id: z.string(), name: z.string(), owner_team: TeamRef, sla: z.string().nullable(), datasets: z.array(z.string()) })),
    teams: z.array(z.object({ id: z.string(), name: z.string(), datasets: z.number().int(), products: z.number().int() })),
    cost: z.object({
      window_days: z.number().int(),
      currency: z.string().nullable(),
      affected_micros: z.number().int(),
      removed_micros: z.number().int(),
      estimated_change_micros: z.number().int().openapi({ description: "Estimated change of monthly spend: the sum of `estimates`" }),
      new_models: z.number().int(),
      builds_per_month: z.number().openapi({ description: "Production invocations of the project building models, per month" }),
      estimates: z.array(
        z.object({
          unique_id: z.string(),
          name: z.string(),
          change: z.enum(["deleted", "new", "materialization"]),
          materialized: z.string().nullable(),
          basis: z.enum(["measured", "median", "no_history"]),
          basis_note: z.string(),
          cost_per_build_micros: z.number().int().nullable(),
          builds_per_month: z.number(),
          monthly_change_micros: z.number().int(),
        }),
      ),
    }),
    pipelines: z.array(
      z.object({
        name: z.string(),
        status: z.enum(["created", "updated", "unchanged"]),
        tasks_added: z.array(z.string()),
        tasks_removed: z.array(z.string()),
        tasks_changed: z.array(z.string()),
        schedule_changed: z.boolean(),
        error: z.string().nullable(),
      }),
    ),
    markdown: z.string().openapi({ description: "The report as a pull-request comment (starts with a hidden marker)" }),
  })
  .openapi("CiImpact");

export const route = createRoute({
  method: "post",
  path: "/ci/impact",
  tags: ["ci"],
  summary: "Pull-request impact preview: modified dbt nodes, downstream datasets and data products (across teams), owners, SLAs and cost at stake",
  description:
    "Send the PR's `manifest`, or the `changes` `tutti ci impact` computed against the production manifest; optionally the PR's pipeline specs. Nothing is written.",
  security: bearerSecurity,
  request: jsonBody(ImpactBody),
  responses: { 200: jsonResponse(ImpactOut, "The impact report, as data and as Markdown"), ...errors(400, 401, 403, 404) },
});

async function storedManifest(ctx: TenantCtx, blobs: R2Bucket, upload: DbtUpload): Promise<unknown> {
  const text = new TextDecoder().decode(await readStream(await openStoredArtifact(ctx, blobs, upload, "manifest")));
  return JSON.parse(text);
}

async function pipelineChanges(
  ctx: TenantCtx,
  specs: Array<{ spec_text: string; format?: (typeof specFormats)[number]; file?: string }>,
): Promise<ImpactReport["pipelines"]> {
  const out: ImpactReport["pipelines"] = [];
  for (const [i, s] of specs.entries()) {
    const label = s.file ?? `pipelines[${i}]`;
    const parsed = parseSpecText(s.spec_text, s.format);
    if (!parsed.ok) {
      out.push({
        name: label,
        status: "unchanged",
        tasks_added: [],
        tasks_removed: [],
        tasks_changed: [],
        schedule_changed: false,
        error: formatSyntaxError(parsed.errors[0]),
      });
      continue;
    }
    const validated = validateSpec(parsed.value, registrySpecDeps);
    if (!validated.ok) {
      out.push({
        name: label,
        status: "unchanged",
        tasks_added: [],
        tasks_removed: [],
        tasks_changed: [],
        schedule_changed: false,
        error: `${validated.errors[0].path}: ${validated.errors[0].message}`,
      });
      continue;
    }
    const spec = validated.spec;
    const prod = await productionVersion(ctx, await getPipelineByName(ctx, spec.name));
    const diff = diffSpecs(prod?.spec ?? null, spec);
    const status = !prod ? "created" : prod.contentHash === (await contentHash(spec)) ? "unchanged" : "updated";
    out.push({
      name: spec.name,
      status,
      tasks_added: diff.tasks_added,
      tasks_removed: diff.tasks_removed,
      tasks_changed: diff.tasks_changed.map((t) => t.id),
      schedule_changed: diff.schedule_changed,
      error: null,
    });
  }
  return out;
}

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const body = c.req.valid("json");
    if (!body.changes === !body.manifest) throw invalid("changes", "send either `changes` or `manifest`");
    const project = await findDbtProject(ctx, body.project, body.environment);
    if (!project) throw notFound(`dbt project "${body.project}" in environment "${body.environment}"`);

    let changes: ManifestDiff;
    if (body.manifest) {
      if (!project.latestManifestUploadId) throw notFound(`manifest of dbt project "${body.project}"`);
      const upload = await getDbtUpload(ctx, project.latestManifestUploadId);
      if (!upload?.manifestSha256) throw notFound(`manifest of dbt project "${body.project}"`);
      try {
        changes = diffManifests(summarizeManifest(await storedManifest(ctx, c.env.BLOBS, upload)), summarizeManifest(body.manifest));
      } catch (err) {
        throw invalid("manifest", (err as Error).message);
      }
    } else changes = body.changes!;

    const teams = new Map((await listTeams(ctx)).map((t) => [t.id, { id: t.id, name: t.name }]));
    const teamRef = (id: string | null) => (id ? (teams.get(id) ?? { id, name: id }) : null);
    const ownerTeamId = project.ownerTeamId ?? null;

    // The changed models' datasets, then everything downstream of them in Tutti's lineage (any team's).
    const changedIds = [...changes.modified, ...changes.removed].map((n) => n.unique_id);
    const catalog = await catalogIdsOfDbtNodes(ctx, project.id, changedIds);
    const roots = [...new Set([...catalog.values()].filter((id) => id.startsWith("ds_")))];
    const removedRoots = new Set(changes.removed.map((n) => catalog.get(n.unique_id)).filter((id): id is string => !!id));
    const below = (await downstreamOf(ctx, { datasetIds: roots })).filter((n) => n.type === "dataset");
    const datasetIds = [...new Set([...roots, ...below.map((n) => n.id)])];
    const owners = await datasetOwnership(ctx, datasetIds);
    const downstream = datasetIds.flatMap((id) => {
      const o = owners.get(id);
      if (!o) return [];
      return [
        {
          id,
          name: o.name,
          namespace: o.namespace,
          owner_team: teamRef(o.ownerTeamId),
          other_team: !!o.ownerTeamId && o.ownerTeamId !== ownerTeamId,
          direct: roots.includes(id),
        },
      ];
    });

    const products = (await productsContainingDatasets(ctx, datasetIds)).map((pr) => ({
      id: pr.id,
      name: pr.name,
      owner_team: teamRef(pr.ownerTeamId),
      sla: pr.sla,
      datasets: pr.datasetIds,
    }));
    const teamCounts = new Map<string, { id: string; name: string; datasets: number; products: number }>();
    const bump = (id: string | null, key: "datasets" | "products") => {
      if (!id) return;
      const t = teamCounts.get(id) ?? { ...teamRef(id)!, datasets: 0, products: 0 };
      t[key]++;
      teamCounts.set(id, t);
    };
    downstream.forEach((d) => bump(d.owner_team?.id ?? null, "datasets"));
    products.forEach((pr) => bump(pr.owner_team?.id ?? null, "products"));

    const from = c.get("clock").now() - COST_WINDOW_DAYS * 86_400_000;
    const builds = await modelBuilds(ctx, project.id, from);
    const costs = await costByDataset(ctx, [...new Set([...datasetIds, ...builds.models.map((m) => m.nodeId)])], from);
    // One currency is reported (the one most spend is in); mixing currencies would need rates the ledger does not hold.
    const byCurrency = new Map<string, number>();
    for (const row of costs) byCurrency.set(row.currency, (byCurrency.get(row.currency) ?? 0) + row.micros);
    const currency = [...byCurrency.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    const costOf = new Map(costs.filter((r) => r.currency === currency).map((r) => [r.datasetId, r.micros]));
    const sumOf = (ids: Iterable<string>) => [...ids].reduce((s, id) => s + (costOf.get(id) ?? 0), 0);
    const estimate = estimateCostChange({
      windowDays: COST_WINDOW_DAYS,
      projectBuilds: builds.invocations,
      models: builds.models.map((m) => ({ uniqueId: m.uniqueId, materialized: m.materialized, builds: m.builds, costMicros: costOf.get(m.nodeId) ?? 0 })),
      changes,
    });
    const report: ImpactReport = {
      project: body.project,
      environment: body.environment,
      owner_team: teamRef(ownerTeamId),
      changes,
      downstream: downstream.sort((a, b) => Number(b.direct) - Number(a.direct) || a.name.localeCompare(b.name)),
      products,
      teams: [...teamCounts.values()].sort((a, b) => b.datasets - a.datasets || a.name.localeCompare(b.name)),
      cost: {
        window_days: COST_WINDOW_DAYS,
        currency,
        affected_micros: sumOf(datasetIds),
        removed_micros: sumOf(removedRoots),
        estimated_change_micros: estimate.monthly_change_micros,
        new_models: changes.added.filter((n) => n.resource_type === "model").length,
        builds_per_month: estimate.builds_per_month,
        estimates: estimate.estimates,
      },
      pipelines: await pipelineChanges(ctx, body.pipelines),
    };
    return send(c, 200, ImpactOut, { ...report, markdown: impactMarkdown(report) });
  });
}
