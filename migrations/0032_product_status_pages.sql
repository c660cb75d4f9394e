CREATE TABLE `product_shares` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`product_id` text NOT NULL,
	`label` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_shares_token` ON `product_shares` (`token_hash`);--> statement-breakpoint
CREATE INDEX `product_shares_product` ON `product_shares` (`tenant_id`,`product_id`);--> statement-breakpoint
CREATE TABLE `product_subscriptions` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`product_id` text NOT NULL,
	`kind` text NOT NULL,
	`email` text,
	`channel_id` text,
	`link_origin` text,
	`confirmed_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_subscriptions_email` ON `product_subscriptions` (`tenant_id`,`product_id`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `product_subscriptions_channel` ON `product_subscriptions` (`tenant_id`,`product_id`,`channel_id`);--> statement-breakpoint
CREATE INDEX `product_subscriptions_id` ON `product_subscriptions` (`id`);