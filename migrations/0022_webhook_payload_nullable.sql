PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`connector` text NOT NULL,
	`connection_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event_type` text NOT NULL,
	`external_id` text,
	`received_at` integer NOT NULL,
	`matched_run_id` text,
	`matched_task_key` text,
	`payload` text,
	`payload_bytes` integer NOT NULL,
	`copies` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_webhook_deliveries`("tenant_id", "id", "team_id", "connector", "connection_id", "delivery_id", "event_type", "external_id", "received_at", "matched_run_id", "matched_task_key", "payload", "payload_bytes", "copies") SELECT "tenant_id", "id", "team_id", "connector", "connection_id", "delivery_id", "event_type", "external_id", "received_at", "matched_run_id", "matched_task_key", "payload", "payload_bytes", "copies" FROM `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_delivery` ON `webhook_deliveries` (`tenant_id`,`connector`,`connection_id`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received` ON `webhook_deliveries` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_connector` ON `webhook_deliveries` (`tenant_id`,`connector`,`received_at`);