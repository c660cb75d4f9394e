import { parseCommand } from "../args";
import { EXIT, UsageError } from "../io";
import { Output } from "../output";
import { pipelineNamePattern, teamSlugPattern } from "../../worker/pipelines/names";
import { pipelineTemplates, templateById } from "../../worker/pipelines/templates";
import type { Command } from "./types";

const DEFAULT_TEMPLATE = pipelineTemplates[0].id;
/** Written when --team is not given: the file says plainly what to fill in, and a push names the line. */
const PLACEHOLDER_TEAM = "my-team";

export interface InitArgs {
  template: string;
  name: string;
  team: string;
  out: string;
  force: boolean;
  list: boolean;
  json: boolean;
}

export function parseInitArgs(args: string[]): InitArgs {
  const { values, positionals } = parseCommand(
    args,
    {
      name: { type: "string" },
      team: { type: "string" },
      out: { type: "string" },
      force: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
    },
    { min: 0, max: 1, message: "name at most one template" },
  );
  const template = positionals[0] ?? DEFAULT_TEMPLATE;
  if (!values.list && !templateById(template)) {
    throw new UsageError(`no template "${template}"; templates: ${pipelineTemplates.map((t) => t.id).join(", ")}`);
  }
  const name = values.name ?? template.replaceAll("-", "_");
  if (!pipelineNamePattern.test(name)) throw new UsageError(`--name "${name}" is not a pipeline name (lowercase letters, digits, _ and -)`);
  const team = values.team ?? PLACEHOLDER_TEAM;
  if (!teamSlugPattern.test(team)) throw new UsageError(`--team "${team}" is not a team slug (lowercase letters, digits and dashes)`);
  return {
    template,
    name,
    team,
    out: values.out ?? `specs/${name}.yaml`,
    force: values.force === true,
    list: values.list === true,
    json: values.json === true,
  };
}

export const init: Command = {
  name: "init",
  summary: "Write a new pipeline spec from a template (the dashboard's editor offers the same ones)",
  usage: "tutti init [template] [--name <pipeline>] [--team <slug>] [--out <file>] [--force] [--list] [--json]",
  details: [
    `Templates: ${pipelineTemplates.map((t) => t.id).join(", ")} (default ${DEFAULT_TEMPLATE}); --list describes them.`,
    "--name defaults to the template's id, --team to a placeholder, --out to specs/<name>.yaml. An existing file is",
    "kept unless --force. Nothing is sent to Tutti: replace the connections and ids, then `tutti push --dry-run <file>`.",
    "--json prints {template, name, team, file}, or with --list the templates.",
  ].join("\n"),
  async run(args, io) {
    const a = parseInitArgs(args);
    const out = new Output(io, a.json);
    if (a.list) {
      const width = Math.max(...pipelineTemplates.map((t) => t.id.length));
      out.result(
        pipelineTemplates.map((t) => ({ id: t.id, title: t.title, description: t.description })),
        pipelineTemplates.map((t) => `${t.id.padEnd(width)}  ${t.description}`),
      );
      return EXIT.ok;
    }
    const exists = await io.readFile(a.out).then(
      () => true,
      () => false,
    );
    if (exists && !a.force) {
      return out.problem(`tutti init: ${a.out} already exists; choose another --out or add --force`, { code: "exists", message: `${a.out} already exists` });
    }
    await io.writeFile(a.out, templateById(a.template)!.render({ name: a.name, team: a.team }));
    const next = [
      `${a.out}: wrote pipeline ${a.name} from the ${a.template} template`,
      ...(a.team === PLACEHOLDER_TEAM ? [`  set team: to your team's slug (it says ${PLACEHOLDER_TEAM})`] : []),
      "  replace the connections and ids it names with yours, then:",
      `  tutti push --dry-run ${a.out}`,
    ];
    out.result({ template: a.template, name: a.name, team: a.team, file: a.out }, next);
    return EXIT.ok;
  },
};
