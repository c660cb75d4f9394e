CREATE TABLE `tenant_exports` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`steps` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`cursor` text NOT NULL,
	`archive_key` text NOT NULL,
	`size_bytes` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `tenant_exports_status` ON `tenant_exports` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `tenant_deletions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`tenant_slug` text NOT NULL,
	`requested_by_id` text NOT NULL,
	`requested_by_label` text NOT NULL,
	`requested_at` integer NOT NULL,
	`ip` text,
	`request_id` text,
	`status` text NOT NULL,
	`steps` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`cursor` text NOT NULL,
	`removed` text NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `tenant_deletions_status` ON `tenant_deletions` (`status`,`updated_at`);