CREATE TABLE `task_logs` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`source` text NOT NULL,
	`blob_key` text NOT NULL,
	`bytes` integer NOT NULL,
	`dropped_bytes` integer DEFAULT 0 NOT NULL,
	`complete` integer DEFAULT false NOT NULL,
	`fetched_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `run_id`, `task_key`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `task_logs_fetched` ON `task_logs` (`tenant_id`,`fetched_at`);