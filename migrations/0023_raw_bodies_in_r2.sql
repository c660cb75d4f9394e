ALTER TABLE `lineage_events` ADD `body_sha256` text;--> statement-breakpoint
ALTER TABLE `lineage_events` ADD `body_blob_key` text;--> statement-breakpoint
CREATE INDEX `lineage_events_blob` ON `lineage_events` (`tenant_id`,`body_blob_key`);--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `payload_sha256` text;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `payload_blob_key` text;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_blob` ON `webhook_deliveries` (`tenant_id`,`payload_blob_key`);