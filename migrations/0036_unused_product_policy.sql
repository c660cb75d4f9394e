CREATE TABLE `unused_pipeline_actions` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`product_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`pipeline_name` text NOT NULL,
	`action` text NOT NULL,
	`previous_cron` text NOT NULL,
	`timezone` text NOT NULL,
	`new_cron` text,
	`acted_at` integer NOT NULL,
	`cost_per_run_micros` integer,
	`cost_runs` integer NOT NULL,
	`currency` text NOT NULL,
	`use_returned_at` integer,
	`undone_at` integer,
	`undone_by` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `unused_pipeline_actions_product` ON `unused_pipeline_actions` (`tenant_id`,`product_id`,`acted_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `unused_pipeline_actions_active` ON `unused_pipeline_actions` (`tenant_id`,`pipeline_id`) WHERE undone_at IS NULL;--> statement-breakpoint
ALTER TABLE `pipelines` ADD `schedule_override` text;--> statement-breakpoint
ALTER TABLE `products` ADD `unused_policy` text;--> statement-breakpoint
ALTER TABLE `products` ADD `unused_notice_at` integer;--> statement-breakpoint
ALTER TABLE `products` ADD `unused_kept_until` integer;