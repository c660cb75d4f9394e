ALTER TABLE `lineage_events` ADD `body_offset` integer;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `payload_offset` integer;