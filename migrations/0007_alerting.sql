CREATE TABLE `alert_channels` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`connection_id` text,
	`recipients` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_channels_team_name` ON `alert_channels` (`tenant_id`,`team_id`,`name`);--> statement-breakpoint
CREATE INDEX `alert_channels_connection` ON `alert_channels` (`tenant_id`,`connection_id`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`kinds` text NOT NULL,
	`min_severity` text NOT NULL,
	`pipelines` text NOT NULL,
	`products` text NOT NULL,
	`tags` text NOT NULL,
	`channel_ids` text NOT NULL,
	`quiet_hours` text,
	`escalate_after_ms` integer,
	`escalate_channel_ids` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_rules_team_name` ON `alert_rules` (`tenant_id`,`team_id`,`name`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`status` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`open_key` text,
	`title` text NOT NULL,
	`summary` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`subject_name` text NOT NULL,
	`owner_team_id` text,
	`pipeline_id` text,
	`pipeline_name` text,
	`run_id` text,
	`named_team_ids` text NOT NULL,
	`named_channel_ids` text NOT NULL,
	`tags` text NOT NULL,
	`details` text NOT NULL,
	`occurrences` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	`assignee_user_id` text,
	`resolved_at` integer,
	`resolved_by` text,
	`resolution` text,
	`escalation_level` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_key` ON `alerts` (`tenant_id`,`open_key`);--> statement-breakpoint
CREATE INDEX `alerts_status` ON `alerts` (`tenant_id`,`status`,`last_seen_at`);--> statement-breakpoint
CREATE INDEX `alerts_dedupe` ON `alerts` (`tenant_id`,`dedupe_key`,`first_seen_at`);--> statement-breakpoint
CREATE INDEX `alerts_owner` ON `alerts` (`tenant_id`,`owner_team_id`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_pipeline` ON `alerts` (`tenant_id`,`pipeline_id`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_seen` ON `alerts` (`tenant_id`,`last_seen_at`);--> statement-breakpoint
CREATE TABLE `alert_impacts` (
	`tenant_id` text NOT NULL,
	`alert_id` text NOT NULL,
	`product` text NOT NULL,
	`owner_team_id` text,
	`statement` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `alert_id`, `product`)
);
--> statement-breakpoint
CREATE INDEX `alert_impacts_product` ON `alert_impacts` (`tenant_id`,`product`);--> statement-breakpoint
CREATE INDEX `alert_impacts_team` ON `alert_impacts` (`tenant_id`,`owner_team_id`);--> statement-breakpoint
CREATE TABLE `alert_events` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`alert_id` text NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_label` text NOT NULL,
	`message` text NOT NULL,
	`details` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `alert_events_alert` ON `alert_events` (`tenant_id`,`alert_id`,`at`);--> statement-breakpoint
CREATE TABLE `alert_deliveries` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`alert_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`team_id` text NOT NULL,
	`transition` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer,
	`lease_until` integer,
	`next_attempt_at` integer,
	`last_error` text,
	`last_status_code` integer,
	`sent_at` integer,
	`message` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `alert_deliveries_alert` ON `alert_deliveries` (`tenant_id`,`alert_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_status` ON `alert_deliveries` (`tenant_id`,`status`);--> statement-breakpoint
CREATE TABLE `alert_signals` (
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`alert_id` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `key`)
);
--> statement-breakpoint
DROP INDEX `cost_records_day`;--> statement-breakpoint
CREATE INDEX `cost_records_started` ON `cost_records` (`tenant_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `budget_crossings` ADD `claimed_at` integer;