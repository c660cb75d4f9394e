export const tenantRoles = ["owner", "admin", "member", "viewer"] as const;
export type TenantRole = (typeof tenantRoles)[number];

export const teamRoles = ["maintainer", "member"] as const;
export type TeamRole = (typeof teamRoles)[number];

export const tokenScopes = ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"] as const;
export type TokenScope = (typeof tokenScopes)[number];

/** What a link sent by e-mail is for (db/schema/email-tokens.ts). */
export const emailTokenPurposes = ["signup", "password_reset"] as const;
export type EmailTokenPurpose = (typeof emailTokenPurposes)[number];

/** How a session was started (db/schema/sessions.ts). */
export const sessionAuthMethods = ["password", "sso"] as const;
export type SessionAuthMethod = (typeof sessionAuthMethods)[number];

/** What a pending second step is (db/schema/mfa-challenges.ts). */
export const mfaChallengeKinds = ["sign_in", "passkey_registration", "passkey_reauth"] as const;
export type MfaChallengeKind = (typeof mfaChallengeKinds)[number];

/** The second factors a person can prove at sign-in. */
export const mfaMethods = ["totp", "recovery_code", "passkey"] as const;
export type MfaMethod = (typeof mfaMethods)[number];

/**
 * How a pipeline version was pushed: through the API (the CLI, CI, scripts, with a token) or from the dashboard's
 * editor (a signed-in session). With a git source an API push is shown as coming from CI.
 */
export const pushChannels = ["api", "ui"] as const;
export type PushChannel = (typeof pushChannels)[number];

/** Where a version came from, as the API and the dashboard show it (routes/pipelines/schemas.ts, originOf). */
export const versionOrigins = ["ui", "ci", "api"] as const;
export type VersionOrigin = (typeof versionOrigins)[number];

export const actorTypes = ["user", "token", "system"] as const;
export type ActorType = (typeof actorTypes)[number];

/** Where a catalog job run came from: an OpenLineage producer, a dbt invocation, or one of Tutti's own task runs. */
export const jobRunSources = ["openlineage", "dbt", "tutti"] as const;
export type JobRunSource = (typeof jobRunSources)[number];

/** Lineage run states; OpenLineage START/RUNNING → running, COMPLETE → succeeded, FAIL → failed, ABORT → cancelled. */
export const jobRunStates = ["running", "succeeded", "failed", "cancelled", "unknown"] as const;
export type JobRunState = (typeof jobRunStates)[number];

/** input: dataset → job; output: job → dataset; derived: dataset → dataset (dbt `parent_map`). */
export const lineageEdgeKinds = ["input", "output", "derived"] as const;
export type LineageEdgeKind = (typeof lineageEdgeKinds)[number];

export const lineageEventKinds = ["run", "job", "dataset"] as const;
export type LineageEventKind = (typeof lineageEventKinds)[number];

export const qualityStatuses = ["pass", "warn", "fail", "error", "skipped"] as const;
export type QualityStatus = (typeof qualityStatuses)[number];

export const qualitySources = ["dbt", "openlineage", "api"] as const;
export type QualitySource = (typeof qualitySources)[number];

export const dbtUploadSources = ["api", "dbt_cloud", "tutti"] as const;
export type DbtUploadSource = (typeof dbtUploadSources)[number];

export const dbtArtifactKinds = ["manifest", "run_results"] as const;
export type DbtArtifactKind = (typeof dbtArtifactKinds)[number];

export const jobRunRoles = ["input", "output"] as const;
export type JobRunRole = (typeof jobRunRoles)[number];

/** How critical a data product is to the business; sorts and colours the scorecard. */
export const productTiers = ["critical", "high", "medium", "low"] as const;
export type ProductTier = (typeof productTiers)[number];

/** A product's members: a dataset picked by hand, every dataset with a tag or matching a name pattern, or a pipeline. */
export const productMemberKinds = ["dataset", "tag", "pattern", "pipeline"] as const;
export type ProductMemberKind = (typeof productMemberKinds)[number];

/** Who a product serves (its consumers), as declared by the owner team. */
export const productConsumerKinds = ["dashboard", "model", "team", "application", "report", "other"] as const;
export type ProductConsumerKind = (typeof productConsumerKinds)[number];

/** What a usage event counts. */
export const usageKinds = ["dashboard_view", "query", "model_call", "api_call"] as const;
export type UsageKind = (typeof usageKinds)[number];

/** What a monthly budget caps: a team's spend (everything allocated to it) or one product's. */
export const budgetScopes = ["team", "product"] as const;
export type BudgetScope = (typeof budgetScopes)[number];

/**
 * What retention removes, one kind per table: raw OpenLineage events, tool webhook payloads, dbt artifact uploads
 * and task attempts' tool logs (their R2 bytes with them), run transition events, audit entries. The first four
 * count against storage quotas.
 */
export const storedKinds = ["lineage_event", "webhook_payload", "dbt_upload", "task_log", "run_event", "audit_entry"] as const;
export type StoredKind = (typeof storedKinds)[number];

/** What a product's unused policy does to the pipelines that build only it (worker/products/unused-rules.ts). */
export const unusedActions = ["slow", "pause"] as const;
export type UnusedAction = (typeof unusedActions)[number];

/** How coarse a slowed schedule becomes: once a day, or once a week, at the original's minute and hour. */
export const slowTargets = ["daily", "weekly"] as const;
export type SlowTarget = (typeof slowTargets)[number];
