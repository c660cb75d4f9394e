import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, Router } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { findConnectionByName } from "../../db/repo/connections/connections";
import { environmentBindings } from "../../db/repo/connections/environments";
import { getEnvironmentHead, productionVersion } from "../../db/repo/pipelines/environments";
import { datasetIdsOf, getPipelineByName, listProductionTriggers } from "../../db/repo/pipelines/pipelines";
import { datasetsById } from "../../db/repo/lineage/catalog";
import { getVersion } from "../../db/repo/pipelines/versions";
import { listPools } from "../../db/repo/pipelines/pools";
import { planEnvironmentPush, planPush } from "../../db/repo/pipelines/push-plan";
import { upsertPipeline } from "../../db/repo/pipelines/push";
import { boundName, ENVIRONMENT_NAME, PROD } from "../../environments/names";
import { listTeams } from "../../db/repo/accounts/teams";
import { connectorFor } from "../../connectors/registry";
import { ApiError, formatPath, type ErrorDetail } from "../../lib/errors";
import { requireScope, requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { diffSpecs } from "../../pipelines/diff";
import { contentHash } from "../../pipelines/hash";
import { specLocator, type SpecPosition } from "../../pipelines/locate";
import { formatSyntaxError, parseSpecText, specFormats, type ParseResult } from "../../pipelines/parse";
import { registrySpecDeps } from "../../pipelines/registry-deps";
import { NormalizedSpecSchema, type NormalizedSpec } from "../../pipelines/spec";
import { findTriggerCycle, isAfterTrigger, isDatasetsTrigger } from "../../pipelines/triggers";
import { validateSpec } from "../../pipelines/validate";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { syncScheduler } from "./load";
import { DiffOut, PipelineOut, pipelineOut, queryBool } from "./schemas";

const GitSource = z
  .strictObject({
    git_repo: z.string().min(1).max(300).optional().openapi({ example: "acme/analytics-pipelines" }),
    git_sha: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/i, "a git commit SHA")
      .optional(),
    git_branch: z.string().min(1).max(255).optional(),
    git_author: z.string().min(1).max(255).optional(),
  })
  .openapi({ description: "Where the spec comes from; `tutti push` fills it from the GitHub Actions environment" });

const PushBody = z
  .strictObject({
    spec_text: z
      .string()
      .min(1, "the spec is empty")
      .max(512 * 1024)
      .openapi({
        description: "The spec file's text, YAML or JSON, exactly as written (comments are kept for display)",
        example: "name: daily_revenue\nteam: analytics\ntasks:\n  - id: refresh\n    connector: http\n    with: { url: https://example.com/refresh }\n",
      }),
    format: z.enum(specFormats).optional().openapi({ description: "Default: `json` when the text starts with `{`, else `yaml`" }),
    source: GitSource.optional(),
    environment: z.string().regex(ENVIRONMENT_NAME, "an environment name").optional().openapi({
      description:
        "Default `prod`. Any other environment (declared for the team) gets its own version and never changes what production runs; `tutti push` sends `ci` for pushes from a non-default branch",
      example: "ci",
    }),
  })
  .openapi("PushPipelineRequest");

const PushOut = z
  .object({
    status: z.enum(["created", "updated", "unchanged"]).openapi({ description: "For a dry run: what the push would do (in `environment`)" }),
    environment: z.string().openapi({ description: "Where the version went: `prod`, or the environment that now runs it" }),
    dry_run: z.boolean(),
    restored: z.boolean().openapi({ description: "The pipeline was archived and the push brings it back" }),
    // A union rather than `.nullable()`, which would carry the name over and make "Pipeline" itself nullable in the document.
    pipeline: z.union([PipelineOut, z.null()]).openapi({ description: "null only for a dry run of a new pipeline" }),
    version: z.object({
      id: z.string().nullable().openapi({ description: "null for a dry run that would create a version" }),
      number: z.number().int(),
      content_hash: z.string(),
    }),
    diff: DiffOut.openapi({ description: "Against the version current before the push" }),
    spec: NormalizedSpecSchema.openapi({ description: "The spec as normalized (defaults filled): what the version runs, or would run for a dry run" }),
  })
  .openapi("PushPipelineResult");

export const route = createRoute({
  method: "post",
  path: "/pipelines",
  tags: ["pipelines"],
  summary: "Push a pipeline spec: creates the pipeline, adds a version when the spec changed, or does nothing when it did not",
  description:
    "Validation errors name the path inside the spec (`tasks[1].depends_on[0]`); syntax errors name `spec_text` with a line and column. " +
    "`?dry_run=true` runs every check and returns the diff against the current version without writing.",
  security: bearerSecurity,
  request: { query: z.object({ dry_run: queryBool.openapi({ description: "Validate and diff only" }) }), ...jsonBody(PushBody) },
  responses: {
    200: jsonResponse(PushOut, "Updated, unchanged, or a dry run"),
    201: jsonResponse(PushOut, "Created"),
    ...errors(400, 401, 403, 409),
  },
});

function invalidSpec(details: ErrorDetail[]): ApiError {
  return new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
}

/**
 * Each task's connection, as the target environment binds it, must exist in the pipeline's team (not
 * archived) and be of the task's connector kind.
 */
async function connectionErrors(
  ctx: TenantCtx,
  teamId: string,
  teamSlug: string,
  spec: NormalizedSpec,
  environment: string,
  bindings: Record<string, string>,
): Promise<ErrorDetail[]> {
  const names = [...new Set(spec.tasks.flatMap((t) => (t.connection ? [boundName(bindings, t.connection)] : [])))];
  const found = new Map(await Promise.all(names.map(async (n) => [n, await findConnectionByName(ctx, teamId, n)] as const)));
  const out: ErrorDetail[] = [];
  spec.tasks.forEach((task, i) => {
    if (!task.connection) return;
    const bound = boundName(bindings, task.connection);
    const conn = found.get(bound);
    const path = `tasks[${i}].connection`;
    const via = bound === task.connection ? "" : ` (environment "${environment}" binds "${task.connection}" to it)`;
    if (!conn || conn.archivedAt !== null) out.push({ path, message: `team "${teamSlug}" has no connection named "${bound}"${via}` });
    else if (conn.kind !== task.connector)
      out.push({ path, message: `"${bound}"${via} is a ${conn.kind} connection; the ${task.connector} connector needs a ${task.connector} connection` });
    else out.push(...destinationErrors(i, task.connector, task.with, conn.config));
  });
  return out;
}

/** URLs in a task's `with` that lead off its connection's origin (the connector's own rule, e.g. the http connector's). */
function destinationErrors(taskIndex: number, kind: string, input: Record<string, unknown>, connectionConfig: Record<string, unknown>): ErrorDetail[] {
  const connector = connectorFor(kind);
  const config = connector?.configSchema.safeParse(connectionConfig);
  if (!connector?.destinationProblems || !config?.success) return [];
  return connector.destinationProblems(input, config.data).map((p) => ({ path: formatPath(["tasks", taskIndex, "with", ...p.path]), message: p.message }));
}

/** Each task's `pool` must be one of the tenant's pools, with at least the `pool_slots` the task asks for. */
async function poolErrors(ctx: TenantCtx, spec: NormalizedSpec): Promise<ErrorDetail[]> {
  if (!spec.tasks.some((t) => t.pool)) return [];
  const sizes = new Map((await listPools(ctx)).map((p) => [p.name, p.slots]));
  const out: ErrorDetail[] = [];
  spec.tasks.forEach((task, i) => {
    if (!task.pool) return;
    const size = sizes.get(task.pool);
    if (size === undefined) {
      const known = [...sizes.keys()];
      out.push({
        path: `tasks[${i}].pool`,
        message: `no pool named "${task.pool}"; ${known.length ? `the pools: ${known.join(", ")}` : "create one with POST /api/v1/pools"}`,
      });
    } else if ((task.pool_slots ?? 1) > size) {
      out.push({ path: `tasks[${i}].pool_slots`, message: `pool "${task.pool}" has ${size} slot${size === 1 ? "" : "s"}; the task could never start` });
    }
  });
  return out;
}

/**
 * Every dataset a dataset trigger names must be in the tenant's catalog (the graph is shared by every team, so any
 * team may trigger on any of them): a misspelt namespace would otherwise wait for ever without a word.
 */
async function unknownDatasetErrors(ctx: TenantCtx, spec: NormalizedSpec, ids: string[][]): Promise<ErrorDetail[]> {
  const known = await datasetsById(ctx, ids.flat());
  const out: ErrorDetail[] = [];
  spec.triggers.forEach((t, i) => {
    if (!isDatasetsTrigger(t)) return;
    t.datasets.forEach((d, j) => {
      if (!known.has(ids[i][j]))
        out.push({
          path: `triggers[${i}].datasets[${j}]`,
          message: `no dataset "${d.name}" in namespace "${d.namespace}" in the catalog; it appears once lineage, a dbt upload or a Tutti task reports it`,
        });
    });
  });
  return out;
}

/**
 * A production push must not close a loop of triggers across the tenant's pipelines (any team): each run would start
 * the next forever. A dataset trigger links the pipelines known to write the dataset (lineage of their tasks) to this
 * one. Other environments never fire triggers, so their pushes cannot loop.
 */
async function triggerCycleErrors(ctx: TenantCtx, spec: NormalizedSpec, ids: string[][]): Promise<ErrorDetail[]> {
  if (!spec.triggers.length) return [];
  const others = await listProductionTriggers(ctx, ids.flat());
  const found = findTriggerCycle(
    {
      name: spec.name,
      triggers: spec.triggers.map((t, i) => (isAfterTrigger(t) ? { after: t.after } : isDatasetsTrigger(t) ? { datasetIds: ids[i] } : null)),
      writes: others.find((n) => n.name === spec.name)?.writes ?? [],
    },
    others,
  );
  if (!found) return [];
  const path = found.at.dataset === undefined ? `triggers[${found.at.trigger}].after` : `triggers[${found.at.trigger}].datasets[${found.at.dataset}]`;
  return [{ path, message: `the triggers form a loop: ${found.cycle.join(" → ")} (each run would start the next forever)` }];
}

/** Per trigger, the catalog ids of the datasets it names (empty for other kinds). */
async function triggerDatasetIds(tenantId: string, spec: NormalizedSpec): Promise<string[][]> {
  return Promise.all(spec.triggers.map((t) => (isDatasetsTrigger(t) ? datasetIdsOf(tenantId, [t]) : Promise.resolve([]))));
}

async function resolveTeam(c: Context<AppEnv>, slug: string) {
  const p = c.get("principal");
  const team = (await listTeams(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")))).find((t) => t.slug === slug);
  if (!team) throw invalidSpec([{ path: "team", message: `no team with slug "${slug}" in this tenant` }]);
  requireTeamWrite(p, team.id, "pipelines:write");
  return team;
}

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "pipelines:write");
    const body = c.req.valid("json");
    const dryRun = c.req.valid("query").dry_run ?? false;

    const parsed = parseSpecText(body.spec_text, body.format);
    if (!parsed.ok)
      throw invalidSpec(
        parsed.errors.map((e) => ({ path: "spec_text", message: formatSyntaxError(e), ...(e.line ? { line: e.line, column: e.column } : {}) })),
      );
    try {
      return await pushParsed(c, body, parsed, dryRun);
    } catch (err) {
      throw withSpecPositions(err, specLocator(body.spec_text));
    }
  });
}

/** Details that name a field of the spec get the line and column it is on, for editors and the CLI. */
function withSpecPositions(err: unknown, locate: (path: string) => SpecPosition | null): unknown {
  if (!(err instanceof ApiError) || !err.details.length) return err;
  const details = err.details.map((d) => {
    if (d.line !== undefined || !isSpecPath(d.path)) return d;
    const at = locate(d.path);
    return at ? { ...d, ...at } : d;
  });
  return new ApiError(err.code, err.message, details, err.headers);
}

/** Every detail the checks after parsing report names a spec field, except the request's own `environment`. */
const isSpecPath = (path: string) => path !== "environment";

async function pushParsed(c: Context<AppEnv>, body: z.output<typeof PushBody>, parsed: ParseResult & { ok: true }, dryRun: boolean) {
  const p = c.get("principal");
  const validated = validateSpec(parsed.value, registrySpecDeps);
  if (!validated.ok) throw invalidSpec(validated.errors);
  const spec = validated.spec;

  const team = await resolveTeam(c, spec.team);
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const environment = body.environment ?? PROD;
  const bindings = await environmentBindings(ctx, team.id, environment);
  if (bindings === null) {
    throw new ApiError("validation_failed", `environment: team "${team.slug}" has no environment "${environment}"`, [
      {
        path: "environment",
        message: `team "${team.slug}" has no environment "${environment}"; declare it with PUT /api/v1/teams/${team.id}/environments/${environment}`,
      },
    ]);
  }
  const connErrors = await connectionErrors(ctx, team.id, team.slug, spec, environment, bindings);
  if (connErrors.length) throw invalidSpec(connErrors);
  const poolProblems = await poolErrors(ctx, spec);
  if (poolProblems.length) throw invalidSpec(poolProblems);
  const datasetIds = await triggerDatasetIds(p.tenantId, spec);
  const unknownDatasets = await unknownDatasetErrors(ctx, spec, datasetIds);
  if (unknownDatasets.length) throw invalidSpec(unknownDatasets);
  if (environment === PROD) {
    const loop = await triggerCycleErrors(ctx, spec, datasetIds);
    if (loop.length) throw invalidSpec(loop);
  }
  const hash = await contentHash(spec);
  const teamRef = { id: team.id, slug: team.slug, name: team.name };

  if (dryRun) {
    const existing = await getPipelineByName(ctx, spec.name);
    const current = await productionVersion(ctx, existing);
    const plan = planPush(existing, current, team.id, hash);
    if (environment !== PROD) {
      const head = existing ? await getEnvironmentHead(ctx, existing.id, environment) : null;
      const headVersion = head ? await getVersion(ctx, head.versionId) : null;
      const envPlan = planEnvironmentPush(current, headVersion, hash);
      const stays = envPlan.status === "unchanged" || envPlan.followProduction;
      return send(c, 200, PushOut, {
        status: envPlan.status,
        environment,
        dry_run: true,
        restored: false,
        pipeline: existing ? pipelineOut(existing, teamRef) : null,
        version: stays
          ? { id: (headVersion ?? current)!.id, number: (headVersion ?? current)!.version, content_hash: hash }
          : { id: null, number: existing ? Math.max(existing.currentVersion, head?.version ?? 0) + 1 : 1, content_hash: hash },
        diff: diffSpecs(envPlan.base?.spec ?? null, spec),
        spec,
      });
    }
    return send(c, 200, PushOut, {
      status: plan.status,
      environment,
      dry_run: true,
      restored: plan.restore,
      pipeline: existing ? pipelineOut(existing, teamRef) : null,
      version:
        plan.status === "unchanged"
          ? { id: current!.id, number: current!.version, content_hash: hash }
          : { id: null, number: (current?.version ?? 0) + 1, content_hash: hash },
      diff: diffSpecs(current?.spec ?? null, spec),
      spec,
    });
  }

  const src = body.source;
  const result = await upsertPipeline(ctx, auditSource(c), {
    environment,
    teamId: team.id,
    spec,
    specText: body.spec_text,
    format: parsed.format,
    contentHash: hash,
    source: src ? { repo: src.git_repo ?? null, sha: src.git_sha ?? null, branch: src.git_branch ?? null, author: src.git_author ?? null } : null,
    // The dashboard is the only client that signs in with a session; tokens are the CLI, CI and scripts.
    via: p.viaSession ? "ui" : "api",
  });
  // Also on "unchanged": a push is how CI says "this is what should run", so the scheduler re-reads it.
  // Other environments are not scheduled, so their pushes leave the scheduler alone.
  if (environment === PROD) await syncScheduler(c, result.pipeline.id);
  return send(c, result.status === "created" ? 201 : 200, PushOut, {
    status: result.status,
    environment,
    dry_run: false,
    restored: result.restored,
    pipeline: pipelineOut(result.pipeline, teamRef),
    version: { id: result.version.id, number: result.version.version, content_hash: result.version.contentHash },
    diff: result.diff,
    spec,
  });
}
