-- Custom SQL migration file, put your code below! --
-- Stops the upgrade while dbt_artifact_chunks still holds artifacts that were never copied to R2: the next
-- migration drops the table. Run `npm run blobs:migrate -- --remote` first (docs/deployment.md), then apply again.
-- D1 rolls a failed migration back, so nothing of this one stays behind.
CREATE TABLE `_guard_dbt_chunks_copied` (
	`remaining` integer NOT NULL,
	CONSTRAINT `dbt_artifact_chunks still has rows: run npm run blobs:migrate first (docs/deployment.md)` CHECK (`remaining` = 0)
);
--> statement-breakpoint
INSERT INTO `_guard_dbt_chunks_copied` SELECT count(*) FROM `dbt_artifact_chunks`;--> statement-breakpoint
DROP TABLE `_guard_dbt_chunks_copied`;
