import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `--json`, which every command takes: stdout then carries one JSON document (see output.ts). */
const common = { json: { type: "boolean", default: false } } as const;

/** How many bare arguments a command takes, and what to say when the count is wrong. */
export interface Positionals {
  min: number;
  max: number;
  message: string;
}

/**
 * The one way a command reads its command line: its own flags plus `--json`, strictly (an unknown flag is a
 * mistake), and its bare arguments. Any mistake is a UsageError (exit 2).
 */
export function parseCommand<const O extends Options>(args: string[], options: O, positionals?: Positionals) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...common }, allowPositionals: positionals !== undefined, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const n = parsed.positionals.length;
  if (positionals && (n < positionals.min || n > positionals.max)) throw new UsageError(positionals.message);
  return parsed;
}

/** A string flag the command cannot do without. */
export function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`--${flag} is required`);
  return value;
}
