import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `body` is sent as JSON; `raw` is sent as it is (artifacts, HTML run pages), with the headers given. */
export interface Answer {
  status: number;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export type Handler = (req: RecordedRequest, url: URL) => Answer | Promise<Answer>;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A tiny JSON HTTP server on 127.0.0.1 for contract fakes; every request is recorded for assertions. */
export async function startJsonServer(handler: Handler, port = 0): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const recorded: RecordedRequest = { method: req.method ?? "GET", path: url.pathname + url.search, headers: req.headers, body: await readBody(req) };
    if (url.pathname === "/__requests") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(requests));
      return;
    }
    requests.push(recorded);
    try {
      const out = await handler(recorded, url);
      res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
      res.end(out.raw !== undefined ? out.raw : out.body === undefined ? "" : JSON.stringify(out.body));
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
