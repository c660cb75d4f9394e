import { commands } from "./commands";
import { EXIT, UsageError, type CliIO } from "./io";

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "tutti: push pipeline specs and work with runs from CI",
    "",
    "Usage:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    "",
    "Environment:",
    "  TUTTI_TOKEN  API token (tt_…), sent as a Bearer token",
    "  TUTTI_URL    Tutti base URL (default http://localhost:8787)",
  ].join("\n");
}

/** Runs one command line and returns the exit code; never calls process.exit, so tests can drive it. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
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
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tutti ${name}: ${err.message}\nUsage: ${command.usage}`);
      return EXIT.usage;
    }
    throw err;
  }
}
