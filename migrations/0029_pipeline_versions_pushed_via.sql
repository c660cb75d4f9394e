ALTER TABLE `pipelines` ADD `pushed_via` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_versions` ADD `pushed_via` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_environments` ADD `pushed_via` text DEFAULT 'api' NOT NULL;