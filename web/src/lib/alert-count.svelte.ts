/** Open alerts for the navigation badge; refreshed on a timer and right after someone acknowledges or resolves. */
import { alertsApi } from "./api/alerts";

export const alertCount = $state<{ open: number | null; critical: number }>({ open: null, critical: 0 });

export async function refreshAlertCount(): Promise<void> {
  try {
    const summary = await alertsApi.summary();
    alertCount.open = summary.open;
    alertCount.critical = summary.open_by_severity.critical;
  } catch {
    // The badge is a hint: keep the last count rather than flash an error in the navigation.
  }
}
