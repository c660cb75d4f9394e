CREATE TABLE `collector_runs` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`connection_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`window_from` integer,
	`window_to` integer,
	`rows_read` integer NOT NULL,
	`inserted` integer NOT NULL,
	`updated` integer NOT NULL,
	`unchanged` integer NOT NULL,
	`refused` integer NOT NULL,
	`usage_events` integer NOT NULL,
	`error` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `collector_runs_connection` ON `collector_runs` (`tenant_id`,`connection_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `cost_collectors` (
	`tenant_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`kind` text NOT NULL,
	`enabled` integer NOT NULL,
	`settings` text NOT NULL,
	`watermarks` text NOT NULL,
	`next_run_at` integer,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `connection_id`)
);
--> statement-breakpoint
CREATE INDEX `task_attempts_external` ON `task_attempts` (`tenant_id`,`external_id`);