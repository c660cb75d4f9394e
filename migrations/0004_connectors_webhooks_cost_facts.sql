CREATE TABLE `webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`connector` text NOT NULL,
	`connection_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event_type` text NOT NULL,
	`external_id` text,
	`received_at` integer NOT NULL,
	`handed_at` integer,
	`matched_run_id` text,
	`matched_task_key` text,
	`payload` text NOT NULL,
	`payload_bytes` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_delivery` ON `webhook_deliveries` (`tenant_id`,`connector`,`connection_id`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received` ON `webhook_deliveries` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_connector` ON `webhook_deliveries` (`tenant_id`,`connector`,`received_at`);--> statement-breakpoint
CREATE TABLE `cost_facts` (
	`tenant_id` text NOT NULL,
	`source` text NOT NULL,
	`external_ref` text NOT NULL,
	`team_id` text,
	`run_id` text,
	`task_key` text,
	`attempt` integer,
	`connection_id` text,
	`facts` text NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`collected_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `source`, `external_ref`)
);
--> statement-breakpoint
CREATE INDEX `cost_facts_run` ON `cost_facts` (`tenant_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `cost_facts_started` ON `cost_facts` (`tenant_id`,`source`,`started_at`);