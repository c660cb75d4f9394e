import { commands } from "./commands";
import { EXIT, EXIT_HELP, UsageError, type CliIO } from "./io";
import { localError } from "./output";
import { CLI_VERSION } from "./version";

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `tutti ${CLI_VERSION}: push pipeline specs and work with runs from CI`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "`tutti <command> --help` shows a command's flags. Every command takes --json: stdout then carries one JSON",
    'document (the result, or {"error": {code, message, status, details, request_id}}); progress goes to stderr.',
    "",
    "Exit codes:",
    ...EXIT_HELP,
    "",
    "Environment:",
    "  TUTTI_TOKEN  API token (tt_…), sent as a Bearer token",
    "  TUTTI_URL    Tutti base URL (default http://localhost:8787)",
  ].join("\n");
}

/** Runs one command line and returns the exit code; never calls process.exit, so tests can drive it. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") {
    io.stdout(CLI_VERSION);
    return EXIT.ok;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.stdout(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`tutti: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}${command.details ? `\n\n${command.details}` : ""}`);
    return EXIT.ok;
  }
  // Read before the command parses its flags, so a mistake in them still answers in JSON.
  const json = rest.includes("--json");
  const fail = (code: string, message: string, exit: number) => {
    if (json) io.stdout(JSON.stringify({ error: localError(code, message) }, null, 2));
    return exit;
  };
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tutti ${name}: ${err.message}\nUsage: ${command.usage}`);
      return fail("usage", err.message, EXIT.usage);
    }
    // A bug, not an answer: say so in one line (and in JSON), not with a stack trace that breaks --json.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`tutti ${name}: unexpected error: ${message}`);
    return fail("internal", message, EXIT.failed);
  }
}
