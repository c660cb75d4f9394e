import type { CliIO } from "../../cli/io";

export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: any;
}

/** A CliIO over in-memory files, captured output and a scripted server. */
export function fakeIO(opts: {
  files?: Record<string, string>;
  env?: Record<string, string>;
  respond?: (req: Recorded) => { status: number; body: unknown; headers?: Record<string, string> } | Error;
}) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: Recorded[] = [];
  const written: Record<string, string> = {};
  const io: CliIO = {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env: { TUTTI_TOKEN: "tt_test_abc", ...opts.env },
    readFile: async (path) => {
      const text = opts.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    writeFile: async (path, text) => {
      written[path] = text;
    },
    listDir: async (dir) => {
      const prefix = `${dir.replace(/\/+$/, "")}/`;
      const names = Object.keys(opts.files ?? {}).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"));
      if (!names.length) throw Object.assign(new Error(`ENOENT: ${dir}`), { code: "ENOENT" });
      return names.map((p) => p.slice(prefix.length));
    },
    fetch: (async (url: string, init: RequestInit) => {
      const req: Recorded = {
        method: init.method ?? "GET",
        url,
        headers: init.headers as Record<string, string>,
        body: init.body ? JSON.parse(init.body as string) : undefined,
      };
      requests.push(req);
      const r = opts.respond?.(req) ?? { status: 500, body: {} };
      if (r instanceof Error) throw r;
      if (r.status === 304) return new Response(null, { status: 304, headers: r.headers });
      return new Response(JSON.stringify(r.body), { status: r.status, headers: { "content-type": "application/json", ...r.headers } });
    }) as typeof fetch,
  };
  return { io, out, err, requests, written };
}
