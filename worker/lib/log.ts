/**
 * The one way the Worker logs: a JSON line per event with `level`, `message`, the request id and the tenant id when
 * known, then the event's own fields (snake_case). Workers Logs and `wrangler tail` index these fields.
 *
 * Never pass secrets, credentials, request bodies or tool responses as fields: pass ids and counts, and errors
 * through `errorFields` (message and stack only; connectors redact what a tool echoed before it gets here). As a
 * last guard, fields whose name says they hold a credential are replaced by "[redacted]".
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogContext {
  requestId?: string;
  tenantId?: string;
}

export type LogFields = Record<string, unknown>;

const credentialField = /secret|password|token|authorization|cookie|api_?key/i;

const sinks: Record<LogLevel, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

function write(level: LogLevel, message: string, context: LogContext, fields: LogFields) {
  const line: LogFields = { level, message };
  if (context.requestId) line.request_id = context.requestId;
  if (context.tenantId) line.tenant_id = context.tenantId;
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) line[name] = credentialField.test(name) ? "[redacted]" : value;
  }
  sinks[level](JSON.stringify(line));
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The same logger with more context (a tenant once it is known). */
  with(context: LogContext): Logger;
}

/** A logger for one request, queue message or job: its lines carry `context`. */
export function logger(context: LogContext = {}): Logger {
  return {
    debug: (message, fields = {}) => write("debug", message, context, fields),
    info: (message, fields = {}) => write("info", message, context, fields),
    warn: (message, fields = {}) => write("warn", message, context, fields),
    error: (message, fields = {}) => write("error", message, context, fields),
    with: (more) => logger({ ...context, ...more }),
  };
}

/** Lines without a request or tenant (queue batches, cron). */
export const log = logger();

/** What an error contributes to a line: its message and, for Error objects, the stack. */
export function errorFields(err: unknown): { error: string; stack?: string } {
  return err instanceof Error ? { error: String(err), stack: err.stack } : { error: String(err) };
}
