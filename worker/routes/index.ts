import { alertChannelRoutes } from "./alert-channels";
import { alertRuleRoutes } from "./alert-rules";
import { alertRoutes } from "./alerts";
import { auditLogRoutes } from "./audit-log";
import { backfillRoutes } from "./backfills";
import { ciRoutes } from "./ci";
import { collectorRoutes } from "./collectors";
import { budgetRoutes } from "./budgets";
import { connectionRoutes } from "./connections";
import { costRoutes } from "./costs";
import { invitationRoutes } from "./invitations";
import { datasetRoutes } from "./datasets";
import { deadLetterRoutes } from "./dead-letters";
import { dbtRoutes } from "./dbt";
import { environmentRoutes } from "./environments";
import { jobRunRoutes } from "./job-runs";
import { jobRoutes } from "./jobs";
import { lineageRoutes } from "./lineage";
import { meRoutes } from "./me";
import { mfaRoutes } from "./mfa";
import { runRoutes } from "./runs";
import { sessionRoutes } from "./sessions";
import { ssoRoutes } from "./sso";
import { memberRoutes } from "./members";
import { ownerRoutes } from "./owners";
import { pipelineRoutes } from "./pipelines";
import { poolRoutes } from "./pools";
import { productRoutes } from "./products";
import { qualityRoutes } from "./quality";
import { teamRoutes } from "./teams";
import { tokenRoutes } from "./tokens";
import { usageRoutes } from "./usage";
import { webhookDeliveryRoutes } from "./webhook-deliveries";
import { workspaceRoutes } from "./workspace";

/** Routers that require a principal, mounted under /api/v1 behind the auth middleware. */
export const apiRouters = [
  meRoutes,
  mfaRoutes,
  sessionRoutes,
  teamRoutes,
  memberRoutes,
  invitationRoutes,
  tokenRoutes,
  connectionRoutes,
  auditLogRoutes,
  pipelineRoutes,
  runRoutes,
  backfillRoutes,
  lineageRoutes,
  datasetRoutes,
  jobRoutes,
  jobRunRoutes,
  dbtRoutes,
  qualityRoutes,
  webhookDeliveryRoutes,
  alertRoutes,
  alertChannelRoutes,
  alertRuleRoutes,
  deadLetterRoutes,
  ownerRoutes,
  environmentRoutes,
  poolRoutes,
  ciRoutes,
  productRoutes,
  costRoutes,
  collectorRoutes,
  usageRoutes,
  budgetRoutes,
  workspaceRoutes,
  ssoRoutes,
];
