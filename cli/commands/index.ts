import { push } from "./push";
import type { Command } from "./types";

/** Every `tutti` command, in the order `tutti help` lists them. */
export const commands: Command[] = [push];
