CREATE TABLE `products` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`owner_team_id` text NOT NULL,
	`tier` text NOT NULL,
	`value_micros` integer,
	`value_rationale` text DEFAULT '' NOT NULL,
	`sla_cron` text,
	`sla_timezone` text,
	`sla_max_age_ms` integer,
	`sla_success_target` real,
	`consumers` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_tenant_name` ON `products` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `products_owner` ON `products` (`tenant_id`,`owner_team_id`);--> statement-breakpoint
CREATE TABLE `product_members` (
	`tenant_id` text NOT NULL,
	`product_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`weight` real DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `product_id`, `kind`, `ref`)
);
--> statement-breakpoint
CREATE INDEX `product_members_ref` ON `product_members` (`tenant_id`,`kind`,`ref`);--> statement-breakpoint
CREATE TABLE `cost_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`currency` text NOT NULL,
	`bigquery_per_tib` real NOT NULL,
	`snowflake_per_credit` real NOT NULL,
	`databricks_per_dbu` real NOT NULL,
	`fivetran_per_million_mar` real NOT NULL,
	`airbyte_per_million_rows` real NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cost_records` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`source` text NOT NULL,
	`external_ref` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`currency` text NOT NULL,
	`quantity` real,
	`unit` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`day` text NOT NULL,
	`description` text,
	`attribution` text NOT NULL,
	`team_id` text,
	`pipeline_id` text,
	`run_id` text,
	`task_key` text,
	`attributed_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cost_records_ref` ON `cost_records` (`tenant_id`,`source`,`external_ref`);--> statement-breakpoint
CREATE INDEX `cost_records_day` ON `cost_records` (`tenant_id`,`day`);--> statement-breakpoint
CREATE INDEX `cost_records_run` ON `cost_records` (`tenant_id`,`run_id`);--> statement-breakpoint
CREATE TABLE `cost_allocations` (
	`tenant_id` text NOT NULL,
	`cost_id` text NOT NULL,
	`product_id` text NOT NULL,
	`team_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`source` text NOT NULL,
	`day` text NOT NULL,
	`currency` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`share` real NOT NULL,
	PRIMARY KEY(`tenant_id`, `cost_id`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `cost_allocations_day` ON `cost_allocations` (`tenant_id`,`day`);--> statement-breakpoint
CREATE TABLE `cost_daily` (
	`tenant_id` text NOT NULL,
	`day` text NOT NULL,
	`product_id` text NOT NULL,
	`team_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`source` text NOT NULL,
	`currency` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`records` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `product_id`, `team_id`, `pipeline_id`, `source`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `cost_daily_product` ON `cost_daily` (`tenant_id`,`product_id`,`day`);--> statement-breakpoint
CREATE INDEX `cost_daily_team` ON `cost_daily` (`tenant_id`,`team_id`,`day`);--> statement-breakpoint
CREATE TABLE `usage_events` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`product_id` text NOT NULL,
	`dataset_id` text,
	`consumer` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	`at` integer NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `usage_events_day` ON `usage_events` (`tenant_id`,`product_id`,`day`);--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`tenant_id` text NOT NULL,
	`product_id` text NOT NULL,
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`consumer` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `product_id`, `day`, `kind`, `consumer`)
);
--> statement-breakpoint
CREATE TABLE `budgets` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`scope` text NOT NULL,
	`scope_id` text NOT NULL,
	`limit_micros` integer NOT NULL,
	`currency` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_scope` ON `budgets` (`tenant_id`,`scope`,`scope_id`);--> statement-breakpoint
CREATE TABLE `budget_crossings` (
	`tenant_id` text NOT NULL,
	`budget_id` text NOT NULL,
	`period` text NOT NULL,
	`threshold` integer NOT NULL,
	`amount_micros` integer NOT NULL,
	`limit_micros` integer NOT NULL,
	`currency` text NOT NULL,
	`crossed_at` integer NOT NULL,
	`sent_at` integer,
	PRIMARY KEY(`tenant_id`, `budget_id`, `period`, `threshold`)
);
--> statement-breakpoint
CREATE INDEX `budget_crossings_unsent` ON `budget_crossings` (`tenant_id`,`sent_at`);