import type { z } from "@hono/zod-openapi";
import { impactOf } from "../../alerting/impact";
import { productCatalog } from "../../alerting/products";
import type { TenantCtx } from "../../db/client";
import { listAlerts } from "../../db/repo/alerting/alerts";
import { datasetOwnership, pipelineFacts, type PipelineFacts } from "../../db/repo/pipelines/ownership";
import { listTeams } from "../../db/repo/accounts/teams";
import type { OwnedOut, OwnedType, OwnershipOut } from "./schemas";

type TeamRef = { id: string; slug: string; name: string };
type Teams = Map<string, TeamRef>;

export async function teamMap(ctx: TenantCtx): Promise<Teams> {
  return new Map((await listTeams(ctx)).map((t) => [t.id, { id: t.id, slug: t.slug, name: t.name }]));
}

const ref = (teams: Teams, id: string | null | undefined) => (id ? (teams.get(id) ?? null) : null);

/** Products known to Tutti: those in the catalog and those only declared in pipeline specs (owned by the declaring team). */
export async function productOwners(ctx: TenantCtx, facts: PipelineFacts[]) {
  const declared = new Map<string, PipelineFacts>();
  for (const p of [...facts].sort((a, b) => a.name.localeCompare(b.name))) for (const name of p.products) if (!declared.has(name)) declared.set(name, p);
  const catalog = new Map((await productCatalog.all(ctx)).map((p) => [p.name, p]));
  const names = [...new Set([...declared.keys(), ...catalog.keys()])].sort();
  return names.map((name) => {
    const entry = catalog.get(name);
    return {
      name,
      ownerTeamId: entry ? entry.ownerTeamId : declared.get(name)!.teamId,
      source: entry ? ("declared" as const) : ("declaring_pipeline" as const),
      producers: facts.filter((p) => p.products.includes(name)),
    };
  });
}

/** Who owns the thing and who depends on it; null when it does not exist in this tenant. */
export async function ownershipOf(ctx: TenantCtx, type: OwnedType, id: string): Promise<z.input<typeof OwnershipOut> | null> {
  const [facts, teams] = await Promise.all([pipelineFacts(ctx), teamMap(ctx)]);
  const pipelineRef = (p: PipelineFacts) => ({ id: p.id, name: p.name, owner_team: ref(teams, p.teamId) });
  let head: z.input<typeof OwnedOut>;
  let producedBy: PipelineFacts[] = [];
  let from: { pipelineName: string } | { datasetId: string } | null;
  if (type === "pipeline") {
    const p = facts.find((f) => f.id === id || f.name === id);
    if (!p) return null;
    head = { type, id: p.id, name: p.name, owner_team: ref(teams, p.teamId), owner_source: "pipeline_team" };
    from = { pipelineName: p.name };
  } else if (type === "dataset") {
    const ds = (await datasetOwnership(ctx, [id])).get(id);
    if (!ds) return null;
    head = { type, id: ds.id, name: ds.name, owner_team: ref(teams, ds.ownerTeamId), owner_source: ds.ownerSource };
    producedBy = facts.filter((f) => f.name === ds.writerPipeline);
    from = { datasetId: ds.id };
  } else {
    const product = (await productOwners(ctx, facts)).find((p) => p.name === id);
    if (!product) return null;
    head = { type, id: product.name, name: product.name, owner_team: ref(teams, product.ownerTeamId), owner_source: product.source };
    producedBy = product.producers;
    from = null;
  }

  const impact = from ? await impactOf(ctx, from, facts, "") : { impacts: [], downstreamPipelines: [], downstreamDatasets: [] };
  const pipelines = impact.downstreamPipelines.map((n) => facts.find((f) => f.name === n)).filter((p): p is PipelineFacts => !!p);
  const datasetOwners = await datasetOwnership(
    ctx,
    impact.downstreamDatasets.map((d) => d.id),
  );
  const datasets = impact.downstreamDatasets.map((d) => ({ id: d.id, name: d.name, ownerTeamId: datasetOwners.get(d.id)?.ownerTeamId ?? null }));
  const products = impact.impacts.filter((i) => !(type === "product" && i.product === id));

  const via = new Map<string, Set<string>>();
  const note = (teamId: string | null, what: string) => {
    if (!teamId || teamId === head.owner_team?.id) return;
    via.set(teamId, (via.get(teamId) ?? new Set()).add(what));
  };
  for (const p of pipelines) note(p.teamId, `pipeline ${p.name}`);
  for (const i of products) note(i.ownerTeamId, `product ${i.product}`);
  for (const d of datasets) note(d.ownerTeamId, `dataset ${d.name}`);

  const subjectAlerts = await listAlerts(
    ctx,
    type === "pipeline"
      ? { pipeline: head.name, statuses: ["open", "acknowledged"], limit: 500 }
      : type === "product"
        ? { product: head.name, statuses: ["open", "acknowledged"], limit: 500 }
        : { statuses: ["open", "acknowledged"], limit: 500 },
  );
  const openAlerts = type === "dataset" ? subjectAlerts.filter((a) => a.subjectType === "dataset" && a.subjectId === head.id).length : subjectAlerts.length;

  return {
    ...head,
    dependents: {
      teams: [...via]
        .map(([teamId, what]) => ({ ...(ref(teams, teamId) ?? { id: teamId, slug: teamId, name: teamId }), via: [...what].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      pipelines: pipelines.map(pipelineRef),
      products: products.map((i) => ({ name: i.product, owner_team: ref(teams, i.ownerTeamId) })),
      datasets: datasets.slice(0, 100).map((d) => ({ id: d.id, name: d.name, owner_team: ref(teams, d.ownerTeamId) })),
      datasets_total: datasets.length,
    },
    produced_by: producedBy.map(pipelineRef),
    open_alerts: openAlerts,
  };
}
