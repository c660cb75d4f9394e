import { ci } from "./ci";
import { dbt } from "./dbt";
import { push } from "./push";
import { run } from "./run";
import { runs } from "./runs";
import { status } from "./status";
import type { Command } from "./types";

/** Every `tutti` command, in the order `tutti help` lists them. */
export const commands: Command[] = [push, run, status, runs, dbt, ci];
