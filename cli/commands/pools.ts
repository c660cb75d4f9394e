import type { PoolAttempt, PoolDetail } from "../../api/schema";
import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT, type CliIO } from "../io";
import { Output } from "../output";
import type { Command } from "./types";

export const pools: Command = {
  name: "pools",
  summary: "List the workspace's pools (slots in use of the pool's size, tasks waiting), or show one with its tasks",
  usage: "tutti pools [--json] | tutti pools show NAME [--json]",
  async run(args, io) {
    if (args[0] === "show") return showPool(args.slice(1), io);
    const { values } = parseCommand(args, {});
    const out = new Output(io, values.json === true);
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const res = await client.call(client.api.GET("/pools"));
    if (!res.ok) return out.failure("pools", res.error);
    const width = Math.max(4, ...res.data.items.map((p) => p.name.length));
    const lines = res.data.items.map((p) => `${p.name.padEnd(width)}  ${`${p.in_use}/${p.slots} in use`.padEnd(14)} ${p.waiting} waiting`);
    out.result(res.data, lines.length ? [`${"POOL".padEnd(width)}  ${"USE".padEnd(14)} WAITING`, ...lines] : ["no pools"]);
    return EXIT.ok;
  },
};

/** `tutti pools show NAME`: the pool's use, then the attempts holding its slots and those waiting, in line order. */
async function showPool(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, { min: 1, max: 1, message: "name exactly one pool" });
  const out = new Output(io, values.json === true);
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const name = positionals[0];
  const res = await client.call(client.api.GET("/pools/{name}", { params: { path: { name } } }));
  if (!res.ok) return out.failure(name, res.error);
  out.result(res.data, poolLines(res.data));
  return EXIT.ok;
}

/** The pool's line, then one line per attempt holding slots and per attempt waiting (numbered in line order). */
export function poolLines(p: PoolDetail): string[] {
  const attempt = (a: PoolAttempt) => `${a.pipeline ?? "?"}.${a.task_key} (attempt ${a.attempt}, ${a.slots} slot${a.slots === 1 ? "" : "s"})  ${a.run_id}`;
  return [
    `${p.name}: ${p.in_use}/${p.slots} in use, ${p.waiting} waiting${p.description ? ` — ${p.description}` : ""}`,
    ...p.holders.map((a) => `  holding  ${attempt(a)}`),
    ...p.waiters.map((a, i) => `  waiting  ${String(i + 1).padStart(2)}. ${attempt(a)}`),
  ];
}
