CREATE TABLE `runs` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`pipeline_name` text NOT NULL,
	`team_id` text NOT NULL,
	`version_id` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`trigger_kind` text NOT NULL,
	`triggered_by` text,
	`trigger_ref` text,
	`params` text NOT NULL,
	`logical_at` integer,
	`backfill_id` text,
	`environment` text DEFAULT 'prod' NOT NULL,
	`reason` text,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`seq` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `runs_pipeline` ON `runs` (`tenant_id`,`pipeline_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `runs_queued` ON `runs` (`tenant_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`tenant_id`,`status`,`queued_at`);--> statement-breakpoint
CREATE INDEX `runs_backfill` ON `runs` (`tenant_id`,`backfill_id`);--> statement-breakpoint
CREATE TABLE `task_runs` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`connector` text NOT NULL,
	`connection` text,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`external_id` text,
	`external_url` text,
	`error` text,
	`reason` text,
	`no_new_data` integer DEFAULT false NOT NULL,
	`depends_on` text NOT NULL,
	`queued_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`seq` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `run_id`, `task_key`)
);
--> statement-breakpoint
CREATE INDEX `task_runs_external` ON `task_runs` (`tenant_id`,`connector`,`external_id`);--> statement-breakpoint
CREATE TABLE `task_attempts` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`external_id` text,
	`external_url` text,
	`error` text,
	`queued_at` integer,
	`started_at` integer,
	`finished_at` integer,
	PRIMARY KEY(`tenant_id`, `run_id`, `task_key`, `attempt`)
);
--> statement-breakpoint
CREATE TABLE `run_events` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`event_id` text NOT NULL,
	`task_key` text,
	`from_status` text NOT NULL,
	`to_status` text NOT NULL,
	`reason` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `run_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`at` integer NOT NULL,
	`redelivered_at` integer,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_message` ON `dead_letters` (`queue`,`message_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_at` ON `dead_letters` (`tenant_id`,`at`);--> statement-breakpoint
CREATE TABLE `backfills` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`from_at` integer NOT NULL,
	`to_at` integer NOT NULL,
	`parallelism` integer NOT NULL,
	`slots` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
