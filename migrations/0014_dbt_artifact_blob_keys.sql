ALTER TABLE `dbt_uploads` ADD `manifest_blob_key` text;--> statement-breakpoint
ALTER TABLE `dbt_uploads` ADD `run_results_blob_key` text;