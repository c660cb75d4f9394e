CREATE TABLE `pools` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`slots` integer NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
