/**
 * Demo data products for `npm run demo`, through the public API only: five sample products with lineage, 60 days
 * of believable cost (Snowflake, BigQuery, Databricks, Fivetran, cloud storage), usage, declared value and two
 * budgets — one of them over its limit — so the scorecard reads at a glance: a star, a solid product, an
 * expensive model, one without a declared value and a zombie. Every figure is sample data in a tenant named as
 * such; external refs are derived from the day, so seeding again changes nothing.
 */

/** What the seed needs from a client: the DemoClient in scripts/demo/client.ts, or any signed-in API caller. */
export interface DemoApi {
  request<T>(method: string, path: string, body?: unknown, allow?: number[]): Promise<{ status: number; data: T }>;
}

interface DemoProduct {
  name: string;
  title: string;
  team: "analytics" | "growth";
  tier: "critical" | "high" | "medium" | "low";
  description: string;
  value: { monthly_amount: number; rationale: string } | null;
  sla?: { freshness?: { cron: string; timezone: string; max_age: string }; success_rate_target?: number };
  consumers: Array<{ kind: string; name: string; url?: string }>;
  members: { patterns?: string[]; tags?: string[] };
  pipeline?: string;
  /** Daily cost by source, in USD, before weekday/noise shaping; units per currency unit for the quantity. */
  cost: Array<{ source: string; perDay: number; unit?: string; unitPrice?: number; weekdayOnly?: boolean }>;
  /** Daily usage by kind and consumers; none for the zombie. */
  usage: Array<{ kind: string; perDay: number; consumers: string[] }>;
  /** Cost grew this month (percent), so the trend column has something to say. */
  growth?: number;
}

const products: DemoProduct[] = [
  {
    name: "finance_revenue",
    title: "Finance revenue",
    team: "analytics",
    tier: "critical",
    description: "Sample: revenue marts behind the board pack and the monthly close",
    value: { monthly_amount: 40_000, rationale: "Board reporting and month-end close; replaces about three analyst days a week" },
    sla: { freshness: { cron: "0 8 * * 1-5", timezone: "Europe/London", max_age: "12h" }, success_rate_target: 99 },
    consumers: [
      { kind: "dashboard", name: "Board pack (Looker)" },
      { kind: "team", name: "Finance" },
    ],
    members: { patterns: ["demo.marts.fct_revenue*"] },
    pipeline: "daily_revenue",
    cost: [
      { source: "snowflake", perDay: 54, unit: "credits", unitPrice: 3 },
      { source: "fivetran", perDay: 11, unit: "mar", unitPrice: 500 / 1e6 },
    ],
    usage: [
      { kind: "dashboard_view", perDay: 140, consumers: ["looker:board-pack", "looker:close-checklist", "cfo@demo.example"] },
      { kind: "query", perDay: 35, consumers: ["analyst.fin@demo.example"] },
    ],
    growth: 6,
  },
  {
    name: "growth_funnel",
    title: "Growth funnel",
    team: "growth",
    tier: "high",
    description: "Sample: acquisition funnel by channel for the weekly growth review",
    value: { monthly_amount: 15_000, rationale: "Weekly budget allocation across paid channels" },
    sla: { freshness: { cron: "0 7 * * 1", timezone: "Europe/London", max_age: "24h" }, success_rate_target: 95 },
    consumers: [{ kind: "dashboard", name: "Growth review (Metabase)" }],
    members: { patterns: ["demo.marts.growth_*"] },
    cost: [
      { source: "bigquery", perDay: 31, unit: "bytes", unitPrice: 6.25 / 2 ** 40 },
      { source: "snowflake", perDay: 14, unit: "credits", unitPrice: 3 },
    ],
    usage: [
      { kind: "dashboard_view", perDay: 45, consumers: ["metabase:growth-review", "cmo@demo.example"] },
      { kind: "query", perDay: 60, consumers: ["analyst.growth@demo.example", "notebook:attribution"] },
    ],
    growth: -8,
  },
  {
    name: "churn_model",
    title: "Churn prediction",
    team: "growth",
    tier: "high",
    description: "Sample: nightly churn scores that drive the retention team's save offers",
    value: { monthly_amount: 8_000, rationale: "About 40 saved accounts a month at an average of 200 in margin" },
    sla: { success_rate_target: 95 },
    consumers: [{ kind: "application", name: "CRM save-offer workflow" }],
    members: { patterns: ["demo.ml.churn_*"] },
    cost: [
      { source: "databricks", perDay: 128, unit: "dbu", unitPrice: 0.15 },
      { source: "snowflake", perDay: 9, unit: "credits", unitPrice: 3 },
    ],
    usage: [{ kind: "model_call", perDay: 2_900, consumers: ["crm:save-offers", "support:console"] }],
    growth: 22,
  },
  {
    name: "ops_kpis",
    title: "Operations KPIs",
    team: "analytics",
    tier: "medium",
    description: "Sample: fulfilment and support KPIs for the operations stand-up",
    value: null,
    consumers: [{ kind: "dashboard", name: "Ops stand-up" }],
    members: { patterns: ["demo.marts.ops_*"] },
    cost: [{ source: "snowflake", perDay: 12, unit: "credits", unitPrice: 3, weekdayOnly: true }],
    usage: [{ kind: "dashboard_view", perDay: 25, consumers: ["looker:ops-standup"] }],
  },
  {
    name: "legacy_marketing_mart",
    title: "Legacy marketing mart",
    team: "analytics",
    tier: "low",
    description: "Sample: the 2023 campaign mart, still rebuilt nightly though its dashboard was retired",
    value: { monthly_amount: 2_000, rationale: "Declared in 2023 for the campaign dashboard" },
    consumers: [{ kind: "dashboard", name: "Campaigns 2023 (retired)" }],
    members: { patterns: ["demo.marts.mkt_*"] },
    cost: [{ source: "snowflake", perDay: 26, unit: "credits", unitPrice: 3 }],
    usage: [],
  },
];

/** Lineage for the demo products: which sample tables each job reads and writes (OpenLineage RunEvents). */
const lineage: Array<{ job: string; namespace?: string; inputs: string[]; outputs: string[] }> = [
  { job: "fivetran.shop_orders", inputs: [], outputs: ["demo.raw.orders", "demo.raw.refunds"] },
  { job: "daily_revenue.stage_orders", namespace: "tutti", inputs: ["demo.raw.orders", "demo.raw.refunds"], outputs: ["demo.staging.stg_orders"] },
  {
    job: "daily_revenue.build_marts",
    namespace: "tutti",
    inputs: ["demo.staging.stg_orders", "demo.staging.fx_rates"],
    outputs: ["demo.marts.fct_revenue", "demo.marts.fct_revenue_by_region"],
  },
  {
    job: "dbt.growth",
    inputs: ["demo.raw.sessions", "demo.raw.ad_spend", "demo.staging.stg_orders"],
    outputs: ["demo.marts.growth_funnel", "demo.marts.growth_channels"],
  },
  {
    job: "databricks.churn_training",
    inputs: ["demo.staging.stg_orders", "demo.raw.support_tickets"],
    outputs: ["demo.ml.churn_features", "demo.ml.churn_scores"],
  },
  { job: "dbt.ops", inputs: ["demo.raw.support_tickets", "demo.staging.stg_orders"], outputs: ["demo.marts.ops_fulfilment"] },
  { job: "dbt.marketing_legacy", inputs: ["demo.raw.ad_spend"], outputs: ["demo.marts.mkt_campaigns_2023"] },
];

const DAY = 86_400_000;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Deterministic noise per (day, key): the same seed gives the same figures, so re-seeding is a no-op. */
function noise(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function ensureTeam(api: DemoApi, slug: "analytics" | "growth", name: string): Promise<string> {
  const me = (await api.request<{ teams: Array<{ id: string; slug: string; name: string }> }>("GET", "/me")).data;
  const mine = me.teams.find((t) => t.slug === slug || t.name.toLowerCase() === name.toLowerCase());
  if (mine) return mine.id;
  const all = (await api.request<{ items: Array<{ id: string; slug: string }> }>("GET", "/teams?limit=200")).data.items;
  const found = all.find((t) => t.slug === slug);
  if (found) return found.id;
  return (await api.request<{ id: string }>("POST", "/teams", { name, slug, description: "Sample team of the demo tenant" })).data.id;
}

/**
 * One successful run of every sample job each morning (06:40 UTC) for `days` days: freshness and SLA history. A
 * job in Tutti's namespace names a pipeline's task, which only exists when the demo pipelines do; without them it
 * is reported as a plain job.
 */
async function seedLineage(api: DemoApi, now: number, days: number, pipelines: Set<string>) {
  const events: unknown[] = [];
  for (let d = days - 1; d >= 0; d--) {
    const at = Date.parse(`${dayOf(now - d * DAY)}T06:40:00Z`);
    lineage.forEach((l, i) => {
      const eventTime = at + i * 60_000;
      if (eventTime > now) return;
      const namespace = l.namespace && pipelines.has(l.job.split(".")[0]) ? l.namespace : "demo";
      events.push({
        eventType: "COMPLETE",
        eventTime: new Date(eventTime).toISOString(),
        run: { runId: `00000000-0000-4000-8000-${String(d * 100 + i + 1).padStart(12, "0")}` },
        job: { namespace, name: l.job },
        inputs: l.inputs.map((name) => ({ namespace: "demo-warehouse", name })),
        outputs: l.outputs.map((name) => ({ namespace: "demo-warehouse", name })),
        producer: "https://tutti.dev/demo",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      });
    });
  }
  for (let i = 0; i < events.length; i += 1000) await api.request("POST", "/lineage/batch", events.slice(i, i + 1000));
}

/** Creates or updates the demo products; returns their names. */
async function seedDefinitions(api: DemoApi, teams: Record<DemoProduct["team"], string>, pipelines: Set<string>) {
  for (const p of products) {
    const body = {
      title: p.title,
      description: p.description,
      owner_team_id: teams[p.team],
      tier: p.tier,
      declared_value: p.value,
      sla: p.sla ?? { freshness: null, success_rate_target: null },
      consumers: p.consumers,
      patterns: (p.members.patterns ?? []).map((pattern) => ({ pattern, weight: 1 })),
      tags: (p.members.tags ?? []).map((tag) => ({ tag, weight: 1 })),
      pipelines: p.pipeline && pipelines.has(p.pipeline) ? [{ name: p.pipeline, weight: 1 }] : [],
    };
    const existing = await api.request<{ id: string }>("GET", `/products/${p.name}`, undefined, [404]);
    if (existing.status === 404) await api.request("POST", "/products", { name: p.name, ...body });
    else await api.request("PATCH", `/products/${existing.data.id}`, body);
  }
}

/**
 * When a day's job ran: 06:00–06:45 UTC, or — today, when `now` is earlier than that — within the part of the day
 * already past, so every record lies in the past and this month always has spend, whatever the hour of the 1st.
 */
function jobWindow(day: string, now: number) {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const start = Math.min(dayStart + 6 * 3_600_000, dayStart + Math.floor((now - dayStart) / 2));
  return { started_at: new Date(start).toISOString(), ended_at: new Date(Math.min(start + 45 * 60_000, now)).toISOString() };
}

/** A record as posted to /costs, plus the product it was sampled for (dropped before posting). */
type CostRecord = { amount: number; started_at: string; product: string; [field: string]: unknown };

function costRecords(now: number, days: number, pipelines: Set<string>) {
  const records: CostRecord[] = [];
  const thisMonth = dayOf(now).slice(0, 7);
  for (let d = days - 1; d >= 0; d--) {
    const t = now - d * DAY;
    const day = dayOf(t);
    const weekday = new Date(t).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    for (const p of products) {
      for (const c of p.cost) {
        if (c.weekdayOnly && weekend) continue;
        const trend = day.startsWith(thisMonth) ? 1 + (p.growth ?? 0) / 100 : 1;
        const amount = round(c.perDay * trend * (weekend ? 0.55 : 1) * (0.85 + 0.3 * noise(`${day}:${p.name}:${c.source}`)), 2);
        const attribution = p.pipeline && pipelines.has(p.pipeline) ? { pipeline: p.pipeline } : { products: [{ name: p.name, weight: 1 }] };
        records.push({
          source: c.source,
          external_ref: `demo:${p.name}:${c.source}:${day}`,
          amount,
          currency: "USD",
          ...(c.unit && c.unitPrice ? { quantity: round(amount / c.unitPrice, c.unit === "bytes" ? 0 : 3), unit: c.unit } : {}),
          ...jobWindow(day, now),
          description: `Sample ${c.source} cost of ${p.title}`,
          attribution,
          product: p.name,
        });
      }
    }
    // Shared storage no product claims: it shows up as unattributed spend on the scorecard.
    records.push({
      source: "aws",
      external_ref: `demo:s3-data-lake:${day}`,
      amount: round(7.5 + noise(`${day}:s3`), 2),
      currency: "USD",
      quantity: 24,
      unit: "hours",
      started_at: `${day}T00:00:00Z`,
      description: "Sample S3 data lake storage (shared)",
      product: "",
    });
  }
  return records;
}

/** What the seeded records spend this month (the month of `now`) on the given products. */
function monthToDate(records: CostRecord[], now: number, productNames: string[]) {
  const thisMonth = dayOf(now).slice(0, 7);
  const cents = records
    .filter((r) => productNames.includes(r.product) && r.started_at.startsWith(thisMonth))
    .reduce((sum, r) => sum + Math.round(r.amount * 100), 0);
  return cents / 100;
}

function usageEvents(now: number, days: number) {
  const events: unknown[] = [];
  for (let d = days - 1; d >= 0; d--) {
    const t = now - d * DAY;
    const day = dayOf(t);
    const weekend = [0, 6].includes(new Date(t).getUTCDay());
    for (const p of products) {
      for (const u of p.usage) {
        u.consumers.forEach((consumer, i) => {
          const share = u.perDay / u.consumers.length;
          const count = Math.max(1, Math.round(share * (weekend ? 0.25 : 1) * (0.7 + 0.6 * noise(`${day}:${p.name}:${u.kind}:${consumer}`))));
          events.push({ id: `demo:${p.name}:${u.kind}:${i}:${day}`, product: p.name, kind: u.kind, consumer, count, at: `${day}T12:00:00Z` });
        });
      }
    }
  }
  return events;
}

async function postInBatches(api: DemoApi, path: string, field: "records" | "events", items: unknown[]) {
  for (let i = 0; i < items.length; i += 1000) await api.request("POST", path, { [field]: items.slice(i, i + 1000) });
}

/** A budget limit in whole dollars, never zero (a budget of 0 is "no spend allowed", not a sample figure). */
const budgetFor = (limit: number) => Math.max(1, Math.round(limit));

async function ensureBudget(api: DemoApi, scope: "team" | "product", scopeId: string, limit: number) {
  const { data } = await api.request<{ items: Array<{ id: string; scope: string; scope_id: string }> }>("GET", "/budgets");
  const found = data.items.find((b) => b.scope === scope && b.scope_id === scopeId);
  if (found) await api.request("PATCH", `/budgets/${found.id}`, { monthly_limit: limit });
  else await api.request("POST", "/budgets", { scope, scope_id: scopeId, monthly_limit: limit });
}

/**
 * Seeds the demo products. Call after the demo pipelines exist (finance_revenue's cost then follows the
 * daily_revenue pipeline that declares it); without them, costs name the products directly.
 */
export async function seedProducts(api: DemoApi, opts: { now?: number; days?: number } = {}) {
  const now = opts.now ?? Date.now();
  const days = opts.days ?? 60;
  const teams = { analytics: await ensureTeam(api, "analytics", "Analytics"), growth: await ensureTeam(api, "growth", "Growth") };
  const pipelineList = (await api.request<{ items: Array<{ name: string }> }>("GET", "/pipelines?limit=200")).data.items;
  const pipelines = new Set(pipelineList.map((p) => p.name));
  await seedLineage(api, now, days, pipelines);
  await seedDefinitions(api, teams, pipelines);
  const costs = costRecords(now, days, pipelines);
  await postInBatches(
    api,
    "/costs",
    "records",
    costs.map(({ product: _, ...record }) => record),
  );
  await postInBatches(api, "/usage", "events", usageEvents(now, days));
  const churn = (await api.request<{ id: string }>("GET", "/products/churn_model")).data.id;
  // Budgets are sized from what was just seeded, so on any day of the month the churn model is over its limit
  // (this month's spend is 125 % of it) and the analytics team has used about 60 % of its own.
  const analytics = products.filter((p) => p.team === "analytics").map((p) => p.name);
  await ensureBudget(api, "team", teams.analytics, budgetFor(monthToDate(costs, now, analytics) / 0.6));
  await ensureBudget(api, "product", churn, budgetFor(monthToDate(costs, now, ["churn_model"]) / 1.25));
  return { products: products.map((p) => p.name) };
}
