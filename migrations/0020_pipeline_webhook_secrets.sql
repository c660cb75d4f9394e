CREATE TABLE `pipeline_webhook_secrets` (
	`tenant_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`secret` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `pipeline_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_webhook_secrets_pipeline` ON `pipeline_webhook_secrets` (`pipeline_id`);