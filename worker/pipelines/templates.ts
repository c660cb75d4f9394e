/**
 * Pipeline specs to start from: the dashboard's "New pipeline from template" and `tutti init [template]` both read
 * this list, so the two offer the same files. Each is valid as written (test/unit/pipelines/templates.test.ts) apart
 * from what only the workspace can tell: the connections, datasets and ids it names are placeholders to replace.
 */

export interface TemplateValues {
  /** The pipeline's name (pipelineNamePattern). */
  name: string;
  /** The owning team's slug. */
  team: string;
}

export interface PipelineTemplate {
  id: string;
  title: string;
  /** One sentence: what the pipeline does. */
  description: string;
  /** The spec's YAML text. */
  render(values: TemplateValues): string;
}

export const pipelineTemplates: readonly PipelineTemplate[] = [
  {
    id: "ingest-transform-publish",
    title: "Ingest → transform → publish",
    description: "Sync a source with Fivetran, build the models on it with dbt Cloud, then tell the consumers over HTTP.",
    render: ({ name, team }) => `# Ingest → transform → publish, every morning.
# Connections are your team's (Settings → Connections); replace the ids with yours.
name: ${name}
team: ${team}
description: Ingest raw data, transform it, publish the result
schedule: { cron: "0 6 * * *", timezone: UTC }
concurrency: { max_runs: 1, on_conflict: queue }
alerts: { on: [failure, retries_exhausted], to: [team] }
tasks:
  - id: ingest
    connector: fivetran
    connection: fivetran
    with: { connection_id: my_source }
    retries: { max: 2, delay: 5m }
    timeout: 2h
  - id: transform
    connector: dbt_cloud
    connection: dbt
    with: { job_id: 12345 }
    depends_on: [ingest]
  - id: publish
    connector: http
    with:
      url: https://hooks.example.com/published
      method: POST
      body: { pipeline: ${name}, run: "{{run_id}}" }
    depends_on: [transform]
`,
  },
  {
    id: "dbt-slim-ci",
    title: "dbt Slim CI",
    description: "Build only the models a pull request changed, and what depends on them, in the ci environment.",
    render: ({ name, team }) => `# dbt Slim CI: a pull request's workflow pushes this with \`tutti push --env ci\` and starts it with
# \`tutti run ${name} --env ci --wait\`. Bind \`dbt\` to your CI connection in the team's ci environment, and let the
# dbt Cloud job defer to production (its "Defer to a previous run state" setting).
name: ${name}
team: ${team}
description: Build what a pull request changed, deferring to production
concurrency: { max_runs: 1, on_conflict: cancel_previous }
tasks:
  - id: build_modified
    connector: dbt_cloud
    connection: dbt
    with:
      job_id: 12345
      cause: Slim CI
      steps_override: ["dbt build --select state:modified+"]
      environment: ci
    timeout: 1h
`,
  },
  {
    id: "freshness-checked-product",
    title: "Freshness-checked data product",
    description: "Rebuild a data product once its inputs are fresh, check the result's freshness, and hold it to an SLA.",
    render: ({ name, team }) => `# A data product rebuilt once every input has been updated within 6 hours of the others. The check
# fails the run (and alerts) when the output is stale, so consumers are never told about old data.
# Datasets must be in the catalog (lineage or a dbt upload reports them); replace these with yours.
name: ${name}
team: ${team}
description: Rebuild the product when its inputs are fresh, then check it is
triggers:
  - datasets:
      - { namespace: bigquery, name: analytics.raw.orders }
      - { namespace: bigquery, name: analytics.raw.customers }
    mode: all
    within: 6h
sla: { finish_by: "08:00", timezone: UTC }
alerts: { on: [failure, sla_miss], to: [team] }
tasks:
  - id: build
    connector: dbt_cloud
    connection: dbt
    with: { job_id: 12345, steps_override: ["dbt build --select +orders_mart"] }
  - id: check_freshness
    connector: bigquery
    connection: warehouse
    with:
      query: >-
        ASSERT (SELECT MAX(updated_at) FROM analytics.marts.orders_mart)
        > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 HOUR) AS 'orders_mart is older than 2 hours'
    depends_on: [build]
  - id: publish
    connector: http
    with: { url: https://hooks.example.com/orders-mart-ready, method: POST }
    depends_on: [check_freshness]
`,
  },
  {
    id: "http-call",
    title: "One HTTP call",
    description: "The smallest spec: one task that calls a URL, to grow from.",
    render: ({ name, team }) => `# One task calling an HTTP endpoint; add tasks with depends_on to make a graph.
name: ${name}
team: ${team}
description: ""
tasks:
  - id: call
    connector: http
    with: { url: https://hooks.example.com/start, method: POST }
`,
  },
];

export function templateById(id: string): PipelineTemplate | undefined {
  return pipelineTemplates.find((t) => t.id === id);
}
