CREATE TABLE `tenant_moves` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`from_shard` text NOT NULL,
	`to_shard` text NOT NULL,
	`status` text NOT NULL,
	`cursor` text NOT NULL,
	`counts` text NOT NULL,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`flipped_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
ALTER TABLE `tenant_imports` ADD `shard` text DEFAULT 'DB' NOT NULL;