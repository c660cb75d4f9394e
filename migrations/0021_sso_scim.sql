CREATE TABLE `sso_configs` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`issuer` text,
	`client_id` text,
	`client_secret` text,
	`default_role` text DEFAULT 'member' NOT NULL,
	`groups_claim` text DEFAULT 'groups' NOT NULL,
	`enforced` integer DEFAULT false NOT NULL,
	`scim_token_hash` text,
	`scim_token_prefix` text,
	`scim_token_created_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sso_domains` (
	`tenant_id` text NOT NULL,
	`domain` text NOT NULL,
	`verified_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `domain`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sso_domains_domain` ON `sso_domains` (`domain`);--> statement-breakpoint
CREATE TABLE `sso_group_mappings` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`group_name` text NOT NULL,
	`team_id` text,
	`team_role` text DEFAULT 'member' NOT NULL,
	`tenant_role` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `sso_identities` (
	`tenant_id` text NOT NULL,
	`issuer` text NOT NULL,
	`subject` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_sign_in_at` integer,
	PRIMARY KEY(`tenant_id`, `issuer`, `subject`)
);
--> statement-breakpoint
CREATE INDEX `sso_identities_user` ON `sso_identities` (`tenant_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `sso_logins` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`code_verifier` text NOT NULL,
	`nonce` text NOT NULL,
	`return_to` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sso_logins_expiry` ON `sso_logins` (`expires_at`);--> statement-breakpoint
CREATE TABLE `scim_users` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`user_name` text NOT NULL,
	`external_id` text,
	`display_name` text,
	`given_name` text,
	`family_name` text,
	`active` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_users_user_name` ON `scim_users` (`tenant_id`,`user_name`);--> statement-breakpoint
CREATE UNIQUE INDEX `scim_users_user` ON `scim_users` (`tenant_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `scim_group_members` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`scim_user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `group_id`, `scim_user_id`)
);
--> statement-breakpoint
CREATE TABLE `scim_groups` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`display_name` text NOT NULL,
	`external_id` text,
	`team_id` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_groups_team` ON `scim_groups` (`tenant_id`,`team_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `auth_method` text DEFAULT 'password' NOT NULL;