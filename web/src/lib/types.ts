/** Shapes of the API's JSON, as documented at /api/v1/openapi.json. */
import type { TeamRole, TenantRole, TokenScope } from "../../../worker/db/schema/enums";
import type { TriggerKind } from "../../../worker/db/schema/runs";
import type { RunStatus, TaskStatus } from "../../../worker/engine/states";

// The same `as const` tuples the database columns and API schemas use, so the UI cannot drift from them.
export { teamRoles, tenantRoles, tokenScopes } from "../../../worker/db/schema/enums";
export { runStatuses } from "../../../worker/engine/states";
export type { RunStatus, TaskStatus, TeamRole, TenantRole, TokenScope, TriggerKind };

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface TenantMembership {
  id: string;
  slug: string;
  name: string;
  role: TenantRole;
}

/** Body of sign-up, login and invitation acceptance. */
export interface SessionInfo {
  user: User;
  tenant: TenantMembership;
  csrf_token: string;
  expires_at: string;
}

export interface Me {
  actor: { type: "user" | "token"; id: string; label: string };
  user: User;
  tenant: { id: string; slug: string; name: string };
  role: TenantRole;
  teams: { id: string; slug: string; name: string; role: TeamRole | null }[];
  scopes: TokenScope[];
  csrf_token: string | null;
}

export interface Team {
  id: string;
  slug: string;
  name: string;
  description: string;
  member_count: number;
  /** The caller's role in the team; null when not a member. */
  my_role: TeamRole | null;
  created_at: string;
}

export interface TeamMember {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
}

export interface TenantMember {
  user_id: string;
  email: string;
  name: string;
  role: TenantRole;
  teams: { id: string; name: string; role: TeamRole }[];
}

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

export interface Invitation {
  id: string;
  email: string;
  role: TenantRole;
  team_id: string | null;
  status: InvitationStatus;
  expires_at: string;
  created_at: string;
  created_by: string;
}

export interface InvitationCreated {
  invitation: Invitation;
  url: string;
  token: string;
}

export interface InvitationLookup {
  email: string;
  role: TenantRole;
  tenant: { name: string; slug: string };
  expires_at: string;
}

export interface ApiToken {
  id: string;
  name: string;
  team_id: string;
  prefix: string;
  scopes: TokenScope[];
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
  created_by: string;
}

export interface TokenCreated {
  token: string;
  api_token: ApiToken;
}

export interface ConnectionKind {
  kind: string;
  title: string;
  config_schema: unknown;
  secret_fields: string[];
  optional_secret_fields: string[];
  testable: boolean;
  webhook: { path: string; secret_field: string; url_token: boolean; proof: string; steps: string[] } | null;
}

export interface WebhookDelivery {
  id: string;
  connector: string;
  connection_id: string;
  team_id: string;
  delivery_id: string;
  event_type: string;
  external_id: string | null;
  received_at: string;
  matched: { run_id: string; task_key: string } | null;
  payload_bytes: number;
  copies: number;
}

export interface Connection {
  id: string;
  team_id: string;
  name: string;
  kind: string;
  description: string;
  config: Record<string, unknown>;
  secret_fields: { name: string; set: boolean }[];
  created_at: string;
  updated_at: string;
  rotated_at: string | null;
  last_used_at: string | null;
  created_by: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: "user" | "token" | "system"; id: string; label: string };
  action: string;
  target: { type: string; id: string };
  team_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

export interface Schedule {
  cron: string;
  timezone: string;
}

export interface GitSource {
  git_repo: string | null;
  git_sha: string | null;
  git_branch: string | null;
  git_author: string | null;
}

export interface RecentRun {
  id: string;
  status: RunStatus;
  queued_at: string;
  finished_at: string | null;
}

export interface Pipeline {
  id: string;
  name: string;
  team: { id: string; slug: string; name: string } | null;
  description: string;
  paused: boolean;
  archived_at: string | null;
  schedule: Schedule | null;
  current_version: { id: string; number: number };
  source: GitSource | null;
  created_at: string;
  updated_at: string;
}

/** A pipeline as lists and its page show it. */
export interface PipelineSummary extends Pipeline {
  /** Next scheduled start; null when unscheduled, paused or archived. */
  next_run_at: string | null;
  /** Latest runs, newest first (up to 10). */
  recent_runs: RecentRun[];
}

export interface SpecTask {
  id: string;
  connector: string;
  connection: string | null;
  with: Record<string, unknown>;
  depends_on: string[];
  run_if: "all_success" | "all_done" | "any_failed";
  retries: { max: number; backoff: "fixed" | "exponential"; delay_ms: number; max_delay_ms: number; jitter: boolean };
  timeout_ms: number | null;
  skip_downstream_if_no_new_data: boolean;
  poll_interval_ms: number;
}

/** The normalized spec (defaults filled in, durations in milliseconds). */
export interface PipelineSpec {
  name: string;
  team: string;
  description: string;
  schedule: Schedule | null;
  triggers: { after: string; on: "success" | "finish" }[];
  concurrency: { max_runs: number; on_conflict: "queue" | "skip" | "cancel_previous" };
  params: Record<string, unknown>;
  timeout_ms: number | null;
  products: string[];
  tasks: SpecTask[];
}

export interface PipelineDetail extends PipelineSummary {
  spec: PipelineSpec;
}

export interface PipelineVersionSummary {
  id: string;
  number: number;
  content_hash: string;
  format: "yaml" | "json";
  created_at: string;
  created_by: { type: string; id: string; label: string };
  source: GitSource | null;
}

export interface PipelineVersion extends PipelineVersionSummary {
  spec: PipelineSpec;
  /** The text as pushed, comments included. */
  spec_text: string;
}

export interface SpecDiff {
  tasks_added: string[];
  tasks_removed: string[];
  tasks_changed: { id: string; fields: string[] }[];
  schedule_changed: boolean;
  schedule_before: Schedule | null;
  schedule_after: Schedule | null;
  other_changes: string[];
  identical: boolean;
}

export interface VersionDiff {
  /** null: version 1, compared with nothing. */
  from: number | null;
  to: number;
  diff: SpecDiff;
}

export interface Run {
  id: string;
  pipeline: { id: string; name: string };
  team_id: string;
  version: number;
  status: RunStatus;
  /** 1, plus one per retry from failure. */
  attempt: number;
  trigger: { kind: TriggerKind; by: string | null; ref: string | null };
  params: Record<string, unknown>;
  logical_at: string | null;
  backfill_id: string | null;
  environment: string;
  reason: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface TaskError {
  kind: string;
  message: string;
}

export interface TaskAttempt {
  attempt: number;
  status: string;
  external_id: string | null;
  external_url: string | null;
  error: TaskError | null;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface TaskRun {
  key: string;
  connector: string;
  connection: string | null;
  status: TaskStatus;
  attempt: number;
  depends_on: string[];
  external_id: string | null;
  /** The tool's own page for this run. */
  external_url: string | null;
  error: TaskError | null;
  reason: string | null;
  no_new_data: boolean;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  attempts: TaskAttempt[];
}

export interface RunDetail extends Run {
  /** In DAG order: by depth, then key. */
  tasks: TaskRun[];
}

export interface RunEvent {
  seq: number;
  at: string;
  /** null for the run's own status changes. */
  task: string | null;
  from: string;
  to: string;
  reason: string;
}

export interface RunEventPage {
  items: RunEvent[];
  next_after: number;
}

export interface Backfill {
  id: string;
  pipeline: string;
  slots: string[];
  run_ids: string[];
  parallelism: number;
}
