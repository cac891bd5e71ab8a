/**
 * Test helper: serves Fetch-style handlers (the app's real route handlers) on a real HTTP server
 * on 127.0.0.1, as Next.js does: the request body is streamed to the handler, not buffered, so
 * limits that count a chunked body see it arrive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";

export type FetchHandler = (req: Request) => Response | Promise<Response>;

/** Routes by path prefix; the first prefix that matches handles the request. */
export type Routes = Record<string, FetchHandler>;

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  }
  res.end();
}

export async function serveFetch(routes: Routes): Promise<{ url: string; close: () => Promise<void> }> {
  let base = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const prefix = Object.keys(routes).find((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`));
    if (!prefix) {
      res.writeHead(404).end();
      return;
    }
    const handler = routes[prefix] as FetchHandler;
    Promise.resolve()
      .then(() => handler(toRequest(req, base)))
      .then((response) => send(res, response))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(err instanceof Error ? err.message : String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
