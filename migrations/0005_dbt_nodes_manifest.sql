ALTER TABLE `dbt_nodes` ADD `test_column` text;--> statement-breakpoint
ALTER TABLE `dbt_nodes` ADD `manifest_upload_id` text DEFAULT '' NOT NULL;