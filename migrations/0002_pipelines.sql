CREATE TABLE `pipelines` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`current_version_id` text NOT NULL,
	`current_version` integer NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`archived_at` integer,
	`cron` text,
	`timezone` text,
	`git_repo` text,
	`git_sha` text,
	`git_branch` text,
	`git_author` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipelines_tenant_name` ON `pipelines` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `pipelines_team` ON `pipelines` (`tenant_id`,`team_id`,`name`);--> statement-breakpoint
CREATE TABLE `pipeline_versions` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`version` integer NOT NULL,
	`content_hash` text NOT NULL,
	`spec` text NOT NULL,
	`spec_text` text NOT NULL,
	`spec_format` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by_type` text NOT NULL,
	`created_by_id` text NOT NULL,
	`created_by_label` text NOT NULL,
	`git_repo` text,
	`git_sha` text,
	`git_branch` text,
	`git_author` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_versions_number` ON `pipeline_versions` (`tenant_id`,`pipeline_id`,`version`);