CREATE TABLE `tenant_imports` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`export_id` text NOT NULL,
	`exported_at` text NOT NULL,
	`status` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`counts` text NOT NULL,
	`lifted_deletion` text,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
