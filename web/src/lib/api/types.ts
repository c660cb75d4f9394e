/**
 * The API's shapes for the dashboard, all taken from the generated contract (api/schema.d.ts, `npm run
 * api:generate`): every named schema under its own name, plus names for the parts pages handle on their own.
 * Nothing here is written by hand, so the dashboard cannot drift from what the Worker answers.
 */
import type { components, paths } from "../../../../api/schema";

export type * from "../../../../api/schema";

type Schemas = components["schemas"];

/** The query parameters an operation documents (`Query<"/runs">` for GET /runs). */
export type Query<P extends keyof paths, M extends "get" = "get"> = NonNullable<paths[P][M] extends { parameters: { query?: infer Q } } ? Q : never>;

// Values the API's enums take, named for the pages that offer them as choices.
export type RunStatus = Schemas["Run"]["status"];
export type BackfillState = Schemas["BackfillSummary"]["state"];
/** What the backfill page's buttons ask of a backfill. */
export type BackfillAction = "pause" | "resume" | "cancel" | "retry";
export type TaskStatus = Schemas["TaskRun"]["status"];
export type TriggerKind = Schemas["Run"]["trigger"]["kind"];
export type TenantRole = Schemas["TenantMember"]["role"];
export type TeamRole = Schemas["TeamMember"]["role"];
export type TokenScope = Schemas["ApiToken"]["scopes"][number];
export type InvitationStatus = Schemas["Invitation"]["status"];
export type AlertKind = Schemas["Alert"]["kind"];
export type AlertSeverity = Schemas["Alert"]["severity"];
export type AlertStatus = Schemas["Alert"]["status"];
export type ChannelKind = Schemas["AlertChannel"]["kind"];
export type OwnedType = Schemas["OwnedThing"]["type"];
export type DeadLetterQueue = NonNullable<Query<"/dead-letters">["queue"]>;
export type OwnerSource = NonNullable<Schemas["OwnedThing"]["owner_source"]>;
export type ProductTier = Schemas["Product"]["tier"];
export type ConsumerKind = Schemas["Product"]["consumers"][number]["kind"];
export type UsageKind = Schemas["UsageEvent"]["kind"];
export type Freshness = Schemas["ProductScorecard"]["reliability"]["freshness"];
export type Direction = Schemas["LineageGraph"]["direction"];
export type ExplorerDimension = Schemas["CostExplorer"]["group_by"];
export type Granularity = Schemas["CostExplorer"]["granularity"];

// Parts of larger shapes that pages and components take on their own.
export type Schedule = NonNullable<Schemas["Pipeline"]["schedule"]>;
export type SpecTask = Schemas["NormalizedPipelineSpec"]["tasks"][number];
export type TaskAttempt = Schemas["TaskRun"]["attempts"][number];
export type ExplorerSeries = Schemas["CostExplorer"]["series"][number];
export type ColumnEdge = Schemas["ColumnLineage"]["edges"][number];
export type FreshnessPolicy = NonNullable<Schemas["DatasetFreshness"]["policy"]>;
/** A team as lineage, products and alerts name an owner. */
export type OwnerTeam = NonNullable<Schemas["TeamRef"]>;

// Request bodies and filters, as the operations document them.
export type RunFilter = Pick<Query<"/runs">, "pipeline" | "status" | "trigger">;
export type BackfillFilter = Pick<Query<"/backfills">, "pipeline" | "status">;
export type PipelineFilter = Pick<Query<"/pipelines">, "q" | "team_id">;
export type AuditFilter = Omit<Query<"/audit-log">, "cursor" | "limit">;
export type AlertFilter = Omit<Query<"/alerts">, "cursor" | "limit">;
export type ExplorerQuery = Query<"/costs/explorer">;
/** A rule as the form edits it: every field, where the API would fill defaults for those left out. */
export type AlertRuleInput = Required<Omit<Schemas["CreateAlertRuleRequest"], "team_id">>;
export type CostRecordInput = Schemas["CostRecordInput"];
export type RetentionInput = Schemas["UpdateRetentionRequest"];
export type WorkspaceUsage = Schemas["WorkspaceUsage"];
export type SsoSettings = Schemas["SsoSettings"];
export type SsoSettingsUpdate = Schemas["UpdateSsoSettingsRequest"];
export type SsoGroupMappingInput = Schemas["SsoGroupMappingInput"];
