import { backfill } from "./backfill";
import { cancel } from "./cancel";
import { ci } from "./ci";
import { dbt } from "./dbt";
import { init } from "./init";
import { logs } from "./logs";
import { pools } from "./pools";
import { push } from "./push";
import { retry } from "./retry";
import { run } from "./run";
import { runs } from "./runs";
import { status } from "./status";
import type { Command } from "./types";

/** Every `tutti` command, in the order `tutti help` lists them. */
export const commands: Command[] = [init, push, run, status, runs, cancel, retry, backfill, logs, pools, dbt, ci];
