/** The `as const` value lists the API validates with (the same tuples as the database columns), for selects and filters. */
export { teamRoles, tenantRoles, tokenScopes } from "../../../worker/db/schema/enums";
export { runStatuses } from "../../../worker/engine/states";
export { backfillStates } from "../../../worker/engine/backfill-control";
