CREATE TABLE `cost_daily_totals` (
	`tenant_id` text NOT NULL,
	`dimension` text NOT NULL,
	`day` text NOT NULL,
	`key` text NOT NULL,
	`currency` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`records` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `dimension`, `day`, `key`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `cost_daily_totals_key` ON `cost_daily_totals` (`tenant_id`,`dimension`,`key`,`day`);