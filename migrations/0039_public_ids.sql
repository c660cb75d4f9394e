CREATE TABLE `public_ids` (
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`public_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `kind`, `public_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `public_ids_id` ON `public_ids` (`kind`,`public_id`);--> statement-breakpoint
-- Added by hand after drizzle-kit generate: the directory starts with the public ids that already exist. Only rows of
-- tenants this database knows: on a one-database deployment that is all of them; on a shard (no tenants rows) nothing,
-- so no shard gets control-side rows (docs/deployment.md#upgrades says what a deployment already on shards does).
INSERT OR IGNORE INTO `public_ids` (`tenant_id`, `kind`, `public_id`, `created_at`) SELECT `tenant_id`, 'connection', `id`, `created_at` FROM `connections` WHERE `tenant_id` IN (SELECT `id` FROM `tenants`);--> statement-breakpoint
INSERT OR IGNORE INTO `public_ids` (`tenant_id`, `kind`, `public_id`, `created_at`) SELECT `tenant_id`, 'pipeline_webhook', `pipeline_id`, `created_at` FROM `pipeline_webhook_secrets` WHERE `tenant_id` IN (SELECT `id` FROM `tenants`);--> statement-breakpoint
INSERT OR IGNORE INTO `public_ids` (`tenant_id`, `kind`, `public_id`, `created_at`) SELECT `tenant_id`, 'status_share', `token_hash`, `created_at` FROM `product_shares` WHERE `revoked_at` IS NULL AND `tenant_id` IN (SELECT `id` FROM `tenants`);--> statement-breakpoint
INSERT OR IGNORE INTO `public_ids` (`tenant_id`, `kind`, `public_id`, `created_at`) SELECT `tenant_id`, 'subscription', `id`, `created_at` FROM `product_subscriptions` WHERE `kind` = 'email' AND `tenant_id` IN (SELECT `id` FROM `tenants`);
