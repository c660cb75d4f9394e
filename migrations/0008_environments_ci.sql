CREATE TABLE `pipeline_environments` (
	`tenant_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`version` integer NOT NULL,
	`content_hash` text NOT NULL,
	`git_repo` text,
	`git_sha` text,
	`git_branch` text,
	`git_author` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `pipeline_id`, `environment`)
);
--> statement-breakpoint
CREATE TABLE `environments` (
	`tenant_id` text NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`bindings` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `team_id`, `name`)
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `ci` text;--> statement-breakpoint
ALTER TABLE `pipelines` ADD `in_production` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_versions` ADD `environment` text DEFAULT 'prod' NOT NULL;