CREATE TABLE `datasets` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'dataset' NOT NULL,
	`description` text,
	`owner_team_id` text,
	`tags` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_write_at` integer,
	`last_write_run_id` text,
	`freshness_cron` text,
	`freshness_timezone` text,
	`freshness_max_age_ms` integer,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_tenant_name` ON `datasets` (`tenant_id`,`namespace`,`name`);--> statement-breakpoint
CREATE INDEX `datasets_name` ON `datasets` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `datasets_owner` ON `datasets` (`tenant_id`,`owner_team_id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'job' NOT NULL,
	`integration` text,
	`processing_type` text,
	`owner_team_id` text,
	`latest_run_id` text,
	`latest_run_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_tenant_name` ON `jobs` (`tenant_id`,`namespace`,`name`);--> statement-breakpoint
CREATE INDEX `jobs_name` ON `jobs` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `job_runs` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`job_id` text NOT NULL,
	`source` text NOT NULL,
	`external_id` text NOT NULL,
	`state` text NOT NULL,
	`last_event_type` text,
	`last_event_at` integer,
	`started_at` integer,
	`ended_at` integer,
	`nominal_start_at` integer,
	`parent_external_id` text,
	`parent_job_id` text,
	`error_message` text,
	`tutti_run_id` text,
	`tutti_task_key` text,
	`event_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `job_runs_job` ON `job_runs` (`tenant_id`,`job_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `job_runs_tutti` ON `job_runs` (`tenant_id`,`tutti_run_id`);--> statement-breakpoint
CREATE INDEX `job_runs_parent` ON `job_runs` (`tenant_id`,`parent_external_id`);--> statement-breakpoint
CREATE TABLE `job_run_datasets` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`role` text NOT NULL,
	`row_count` integer,
	`bytes` integer,
	`file_count` integer,
	`facets` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `run_id`, `dataset_id`, `role`)
);
--> statement-breakpoint
CREATE INDEX `job_run_datasets_dataset` ON `job_run_datasets` (`tenant_id`,`dataset_id`,`at`);--> statement-breakpoint
CREATE TABLE `lineage_facets` (
	`tenant_id` text NOT NULL,
	`entity_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text,
	`event_time` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `entity_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `lineage_edges` (
	`tenant_id` text NOT NULL,
	`from_node` text NOT NULL,
	`to_node` text NOT NULL,
	`origin` text NOT NULL,
	`kind` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `from_node`, `to_node`, `origin`)
);
--> statement-breakpoint
CREATE INDEX `lineage_edges_to` ON `lineage_edges` (`tenant_id`,`to_node`,`from_node`);--> statement-breakpoint
CREATE INDEX `lineage_edges_origin` ON `lineage_edges` (`tenant_id`,`origin`);--> statement-breakpoint
CREATE TABLE `column_lineage_edges` (
	`tenant_id` text NOT NULL,
	`to_dataset` text NOT NULL,
	`to_field` text NOT NULL,
	`from_dataset` text NOT NULL,
	`from_field` text NOT NULL,
	`origin` text NOT NULL,
	`transformation` text,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `to_dataset`, `to_field`, `from_dataset`, `from_field`, `origin`)
);
--> statement-breakpoint
CREATE INDEX `column_lineage_from` ON `column_lineage_edges` (`tenant_id`,`from_dataset`,`from_field`);--> statement-breakpoint
CREATE TABLE `lineage_events` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`kind` text NOT NULL,
	`event_type` text,
	`event_time` integer NOT NULL,
	`run_id` text,
	`job_id` text,
	`dataset_id` text,
	`producer` text NOT NULL,
	`schema_url` text,
	`size_bytes` integer NOT NULL,
	`body` text,
	`body_gzip` blob,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lineage_events_dedupe` ON `lineage_events` (`tenant_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `lineage_events_run` ON `lineage_events` (`tenant_id`,`run_id`,`event_time`);--> statement-breakpoint
CREATE INDEX `lineage_events_job` ON `lineage_events` (`tenant_id`,`job_id`,`event_time`);--> statement-breakpoint
CREATE INDEX `lineage_events_dataset` ON `lineage_events` (`tenant_id`,`dataset_id`,`event_time`);--> statement-breakpoint
CREATE TABLE `dbt_projects` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`project` text NOT NULL,
	`environment` text NOT NULL,
	`owner_team_id` text,
	`dbt_project_name` text,
	`adapter_type` text,
	`namespace` text NOT NULL,
	`latest_upload_id` text,
	`latest_manifest_upload_id` text,
	`node_count` integer DEFAULT 0 NOT NULL,
	`edge_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dbt_projects_name` ON `dbt_projects` (`tenant_id`,`project`,`environment`);--> statement-breakpoint
CREATE TABLE `dbt_uploads` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`project_id` text NOT NULL,
	`source` text NOT NULL,
	`source_ref` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`dbt_version` text,
	`manifest_schema_version` integer,
	`run_results_schema_version` integer,
	`manifest_invocation_id` text,
	`run_results_invocation_id` text,
	`command` text,
	`generated_at` integer,
	`elapsed_seconds` real,
	`manifest_bytes` integer,
	`manifest_sha256` text,
	`run_results_bytes` integer,
	`run_results_sha256` text,
	`node_count` integer DEFAULT 0 NOT NULL,
	`edge_count` integer DEFAULT 0 NOT NULL,
	`result_counts` text NOT NULL,
	`job_run_id` text,
	`uploaded_by_type` text NOT NULL,
	`uploaded_by_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dbt_uploads_dedupe` ON `dbt_uploads` (`tenant_id`,`project_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `dbt_uploads_project` ON `dbt_uploads` (`tenant_id`,`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `dbt_artifact_chunks` (
	`tenant_id` text NOT NULL,
	`upload_id` text NOT NULL,
	`kind` text NOT NULL,
	`seq` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`tenant_id`, `upload_id`, `kind`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `dbt_nodes` (
	`tenant_id` text NOT NULL,
	`project_id` text NOT NULL,
	`unique_id` text NOT NULL,
	`resource_type` text NOT NULL,
	`name` text NOT NULL,
	`package_name` text,
	`path` text,
	`materialized` text,
	`node_id` text NOT NULL,
	`defined` integer NOT NULL,
	`description` text,
	`tags` text NOT NULL,
	`tested_node_ids` text NOT NULL,
	`last_status` text,
	`last_started_at` integer,
	`last_completed_at` integer,
	`last_execution_seconds` real,
	`last_upload_id` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `project_id`, `unique_id`)
);
--> statement-breakpoint
CREATE TABLE `dbt_node_results` (
	`tenant_id` text NOT NULL,
	`upload_id` text NOT NULL,
	`unique_id` text NOT NULL,
	`project_id` text NOT NULL,
	`status` text NOT NULL,
	`execution_seconds` real,
	`started_at` integer,
	`completed_at` integer,
	`rows_affected` integer,
	`bytes_processed` integer,
	`bytes_billed` integer,
	`slot_ms` integer,
	`query_id` text,
	`failures` integer,
	`message` text,
	`thread_id` text,
	`adapter_response` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `upload_id`, `unique_id`)
);
--> statement-breakpoint
CREATE INDEX `dbt_node_results_node` ON `dbt_node_results` (`tenant_id`,`project_id`,`unique_id`,`completed_at`);--> statement-breakpoint
CREATE TABLE `quality_results` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`source` text NOT NULL,
	`check_name` text NOT NULL,
	`column_name` text,
	`status` text NOT NULL,
	`observed_at` integer NOT NULL,
	`run_id` text,
	`details` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quality_results_dedupe` ON `quality_results` (`tenant_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `quality_results_dataset` ON `quality_results` (`tenant_id`,`dataset_id`,`observed_at`);