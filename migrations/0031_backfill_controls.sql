ALTER TABLE `backfills` ADD `control` text DEFAULT 'running' NOT NULL;--> statement-breakpoint
ALTER TABLE `backfills` ADD `control_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `backfills` ADD `updated_at` integer;--> statement-breakpoint
CREATE INDEX `backfills_created` ON `backfills` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `backfills_pipeline` ON `backfills` (`tenant_id`,`pipeline_id`,`created_at`);