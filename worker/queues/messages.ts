/** A request to the dispatch consumer: perform one connector operation for one task attempt. */
export interface DispatchMessage {
  tenantId: string;
  runId: string;
  taskKey: string;
  attempt: number;
  op: "trigger" | "poll" | "cancel";
  /** Poll sequence number (0 for trigger and cancel), so repeated poll messages are recognised. */
  seq: number;
}
