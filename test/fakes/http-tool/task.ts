/**
 * An `http` task that starts a job on this fake and follows it: the one spec the workerd tests, the browser tests and
 * the demo all use, so a change to how the fake reports a job is made once.
 *
 * `job` is the job body the fake reads (polls, outcome, fail_times, key, message, no_new_data, rows). A job that polls
 * or is told to fail is followed by polling its status; one that does neither succeeds on creation.
 */
export function jobTask(id: string, job: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, connection = "tool") {
  const followed = Number(job.polls ?? 0) > 0 || job.outcome === "failed";
  return {
    id,
    connector: "http",
    connection,
    with: {
      url: "/jobs",
      method: "POST",
      body: { key: `{{run_id}}-${id}`, ...job },
      external_id_path: "$.id",
      external_url_path: "$.url",
      cancel: { url: "/jobs/{{external_id}}/cancel" },
      ...(followed
        ? {
            completion: {
              mode: "poll",
              status_url: "/jobs/{{external_id}}",
              success: { path: "$.status", equals: "succeeded" },
              failure: { path: "$.status", in: ["failed", "cancelled"] },
              message_path: "$.message",
            },
          }
        : {}),
      ...(job.no_new_data ? { no_new_data: { path: "$.no_new_data", equals: true } } : {}),
    },
    ...extra,
  };
}
