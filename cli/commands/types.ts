import type { CliIO } from "../io";

/** One `tutti <name>` command; main() finds it by name. Add a module and list it in commands/index.ts. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** More for `tutti <name> --help`: what the flags mean, what --json prints. */
  details?: string;
  /** Returns the process exit code; throws UsageError for a wrong command line. */
  run(args: string[], io: CliIO): Promise<number>;
}
