import type { CostEstimate } from "./cost-estimate";
import type { ManifestDiff } from "./manifest-diff";

/** The pull-request impact preview: what a PR's dbt and pipeline changes touch in production. */
export interface ImpactReport {
  project: string;
  environment: string;
  /** The team that owns the dbt project (its changes "cross" into other teams' assets downstream). */
  owner_team: { id: string; name: string } | null;
  changes: ManifestDiff;
  /** Catalog datasets downstream of the modified and removed models (the models' own datasets first, depth 0). */
  downstream: Array<{ id: string; name: string; namespace: string; owner_team: { id: string; name: string } | null; other_team: boolean; direct: boolean }>;
  products: Array<{ id: string; name: string; owner_team: { id: string; name: string } | null; sla: string | null; datasets: string[] }>;
  teams: Array<{ id: string; name: string; datasets: number; products: number }>;
  cost: {
    window_days: number;
    currency: string | null;
    /** Ledger cost over the window of the changed models and everything downstream: what this change puts at stake. */
    affected_micros: number;
    /** Ledger cost over the window of models the PR deletes: the monthly saving if it merges. */
    removed_micros: number;
    /** Estimated change of monthly spend: the sum of `estimates` (worker/ci/cost-estimate.ts). */
    estimated_change_micros: number;
    new_models: number;
    /** How often production builds the project's models, per month. */
    builds_per_month: number;
    /** One per deleted model, new model and changed materialization, each with its basis. */
    estimates: CostEstimate[];
  };
  pipelines: Array<{
    name: string;
    status: "created" | "updated" | "unchanged";
    tasks_added: string[];
    tasks_removed: string[];
    tasks_changed: string[];
    schedule_changed: boolean;
    error: string | null;
  }>;
}

/** The hidden marker `--post-github` finds its own PR comment by. */
export const COMMENT_MARKER = "<!-- tutti:ci-impact -->";

const money = (micros: number, currency: string | null, digits = 2) =>
  `${micros < 0 ? "−" : ""}${(Math.abs(micros) / 1e6).toFixed(digits)} ${currency ?? ""}`.trim();
const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(", ") : "—");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Markdown for a PR comment; starts with the marker so a later run edits the same comment. */
export function impactMarkdown(r: ImpactReport): string {
  const c = r.changes;
  const lines: string[] = [COMMENT_MARKER, `### Tutti impact preview: \`${r.project}\` against ${r.environment}`, ""];
  const total = c.modified.length + c.added.length + c.removed.length;
  if (!total && !r.pipelines.some((p) => p.status !== "unchanged" || p.error)) {
    lines.push("No dbt nodes or pipelines change against production.");
    return lines.join("\n");
  }
  lines.push(
    `**${c.modified.length}** modified, **${c.added.length}** new, **${c.removed.length}** deleted dbt node(s); **${r.downstream.length}** dataset(s) downstream; **${r.products.length}** data product(s) affected.`,
    "",
  );
  const breaking = c.modified.filter((m) => m.breaking_contract);
  if (breaking.length) lines.push(`> ⚠️ Breaking contract change: ${list(breaking.map((m) => m.name))}`, "");
  if (total) {
    lines.push("#### dbt changes", "", "| Node | Type | Change |", "|---|---|---|");
    for (const m of c.modified) lines.push(`| \`${m.unique_id}\` | ${m.resource_type} | ${m.changes.join(", ")}${m.breaking_contract ? " (breaking)" : ""} |`);
    for (const a of c.added) lines.push(`| \`${a.unique_id}\` | ${a.resource_type} | new |`);
    for (const d of c.removed) lines.push(`| \`${d.unique_id}\` | ${d.resource_type} | deleted |`);
    lines.push("");
  }
  if (r.products.length) {
    lines.push("#### Data products affected", "", "| Product | Owner team | SLA | Datasets |", "|---|---|---|---|");
    for (const p of r.products) lines.push(`| **${cell(p.name)}** | ${cell(p.owner_team?.name ?? "—")} | ${cell(p.sla ?? "—")} | ${p.datasets.length} |`);
    lines.push("");
  }
  const others = r.downstream.filter((d) => d.other_team);
  if (r.downstream.length) {
    lines.push(
      `#### Downstream datasets (${r.downstream.length}${others.length ? `, ${others.length} owned by other teams` : ""})`,
      "",
      "| Dataset | Owner team |",
      "|---|---|",
    );
    for (const d of r.downstream.slice(0, 50))
      lines.push(`| \`${cell(d.name)}\`${d.direct ? " (changed)" : ""} | ${cell(d.owner_team?.name ?? "—")}${d.other_team ? " ↗" : ""} |`);
    if (r.downstream.length > 50) lines.push(`| … and ${r.downstream.length - 50} more | |`);
    lines.push("");
  }
  if (r.teams.length)
    lines.push(
      `**Teams to tell:** ${r.teams.map((t) => `${t.name} (${t.datasets} dataset${t.datasets === 1 ? "" : "s"}${t.products ? `, ${t.products} product${t.products === 1 ? "" : "s"}` : ""})`).join(", ")}`,
      "",
    );
  lines.push(...costLines(r.cost));
  if (r.pipelines.length) {
    lines.push("#### Pipelines", "", "| Pipeline | Change |", "|---|---|");
    for (const p of r.pipelines) {
      const what = p.error
        ? `invalid: ${p.error}`
        : p.status === "unchanged"
          ? "unchanged"
          : [
              p.status,
              p.tasks_added.length ? `tasks added ${list(p.tasks_added)}` : "",
              p.tasks_removed.length ? `removed ${list(p.tasks_removed)}` : "",
              p.tasks_changed.length ? `changed ${list(p.tasks_changed)}` : "",
              p.schedule_changed ? "schedule changed" : "",
            ]
              .filter(Boolean)
              .join("; ");
      lines.push(`| \`${p.name}\` | ${cell(what)} |`);
    }
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

const CHANGE_LABEL: Record<CostEstimate["change"], string> = { deleted: "deleted", new: "new", materialization: "materialization changed" };

/** The cost section: what is at stake, the estimated monthly change, and the basis of each estimate. */
function costLines(k: ImpactReport["cost"]): string[] {
  const at = (micros: number, digits = 2) => (k.currency ? money(micros, k.currency, digits) : "—");
  const signed = (micros: number) => (micros > 0 ? `+${at(micros)}` : at(micros));
  const lines = [
    `#### Cost (from the cost ledger, last ${k.window_days} days)`,
    "",
    `- Spend of changed and downstream models: ${k.currency ? at(k.affected_micros) : "no ledger history"}`,
    `- Estimated change of monthly spend: ${k.currency ? signed(k.estimated_change_micros) : "unknown (no ledger history)"}`,
    "",
  ];
  if (!k.estimates.length) return lines;
  lines.push("| Model | Change | Per build | Builds / month | Monthly change | Basis |", "|---|---|---|---|---|---|");
  for (const e of k.estimates)
    lines.push(
      `| \`${cell(e.name)}\` | ${CHANGE_LABEL[e.change]}${e.materialized ? ` (${cell(e.materialized)})` : ""} | ${e.cost_per_build_micros === null ? "—" : at(e.cost_per_build_micros, 4)} | ${e.builds_per_month} | ${e.basis === "no_history" ? "unknown" : signed(e.monthly_change_micros)} | ${cell(e.basis_note)} |`,
    );
  lines.push("", "_Changes to a model's SQL or config are not priced: their cost shows once production runs them._", "");
  return lines;
}
