import { buildApp } from "./app";
import type { Env } from "./env";

export { TenantRuns } from "./durable/tenant-runs";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
