import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT } from "../io";
import { Output } from "../output";
import type { Command } from "./types";

export const pools: Command = {
  name: "pools",
  summary: "List the workspace's pools: slots in use of the pool's size, and tasks waiting for one",
  usage: "tutti pools [--json]",
  async run(args, io) {
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
