import { applyD1Migrations, env } from "cloudflare:test";

// Applies migrations once per isolate; applyD1Migrations skips those already applied.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
