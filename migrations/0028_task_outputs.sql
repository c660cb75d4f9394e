ALTER TABLE `task_runs` ADD `outputs` text;--> statement-breakpoint
ALTER TABLE `task_attempts` ADD `outputs` text;