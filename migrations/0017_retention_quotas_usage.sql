CREATE TABLE `retention_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`lineage_event_days` integer,
	`webhook_payload_days` integer,
	`run_event_days` integer,
	`audit_log_days` integer,
	`dbt_uploads_kept` integer,
	`updated_at` integer,
	`armed_at` integer
);
--> statement-breakpoint
CREATE TABLE `tenant_quotas` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`storage_bytes` integer,
	`objects` integer,
	`ingest_per_minute` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `storage_usage` (
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`objects` integer DEFAULT 0 NOT NULL,
	`removed_bytes` integer DEFAULT 0 NOT NULL,
	`removed_objects` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `kind`)
);
--> statement-breakpoint
CREATE INDEX `run_events_at` ON `run_events` (`tenant_id`,`at`);--> statement-breakpoint
CREATE INDEX `lineage_events_received` ON `lineage_events` (`tenant_id`,`received_at`);--> statement-breakpoint
-- Added by hand after drizzle-kit generate: usage counters start from what tenants already store.
INSERT INTO `storage_usage` (`tenant_id`, `kind`, `bytes`, `objects`) SELECT `tenant_id`, 'lineage_event', SUM(`size_bytes`), COUNT(*) FROM `lineage_events` GROUP BY `tenant_id`;--> statement-breakpoint
INSERT INTO `storage_usage` (`tenant_id`, `kind`, `bytes`, `objects`) SELECT `tenant_id`, 'webhook_payload', SUM(`payload_bytes`), COUNT(*) FROM `webhook_deliveries` GROUP BY `tenant_id`;--> statement-breakpoint
INSERT INTO `storage_usage` (`tenant_id`, `kind`, `bytes`, `objects`) SELECT `tenant_id`, 'dbt_upload', SUM(COALESCE(`manifest_bytes`, 0) + COALESCE(`run_results_bytes`, 0)), COUNT(*) FROM `dbt_uploads` GROUP BY `tenant_id`;
