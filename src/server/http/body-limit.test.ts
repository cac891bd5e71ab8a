/**
 * The body limit on a real HTTP server on 127.0.0.1 (serveFetch streams bodies to the handler, as
 * Next.js does): refused by Content-Length before reading, refused while a chunked upload streams
 * (the client cannot push more than a little past the limit), and passed through intact below it.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveFetch } from "~/server/testing/serve-fetch";
import { limitBody } from "./body-limit";

const LIMIT = 64 * 1024;

/** Sends `chunks` chunked (no Content-Length) until the server answers; resolves with what was sent. */
function chunkedUpload(url: string, chunk: Buffer, maxChunks: number): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentBytes: sent }));
    });
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const pump = (): void => {
      while (!answered && sent < chunk.length * maxChunks) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(body.length), ...headers } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("limitBody on a real HTTP server", () => {
  let server: Awaited<ReturnType<typeof serveFetch>>;
  let received: number[] = [];

  beforeAll(async () => {
    server = await serveFetch({
      "/echo": async (req) => {
        const limited = await limitBody(req, LIMIT);
        if (limited instanceof Response) return limited;
        const bytes = (await limited.arrayBuffer()).byteLength;
        received.push(bytes);
        return Response.json({ bytes, length: limited.headers.get("content-length") });
      },
    });
  });
  afterAll(() => server.close());

  it("passes a body under the limit through intact, chunked or not", async () => {
    received = [];
    expect(await post(`${server.url}/echo`, Buffer.alloc(LIMIT, "a"))).toEqual({ status: 200, body: JSON.stringify({ bytes: LIMIT, length: String(LIMIT) }) });
    const chunked = await chunkedUpload(`${server.url}/echo`, Buffer.alloc(1000, "b"), 10);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ bytes: 10_000, length: "10000" });
  });

  it("answers 413 with a clear JSON error by Content-Length, before reading the body", async () => {
    received = [];
    const res = await post(`${server.url}/echo`, Buffer.alloc(LIMIT + 1, "a"));
    expect(res.status).toBe(413);
    const body = JSON.parse(res.body) as { error: { code: string; message: string; maxBytes: number } };
    expect(body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", maxBytes: LIMIT });
    expect(body.error.message).toContain("65,537 bytes sent, at most 65,536 bytes are accepted (MAX_REQUEST_BYTES)");
    expect(received).toEqual([]);
  });

  it("answers 413 while a chunked upload streams, and stops reading it", async () => {
    received = [];
    // The client would send 64 MiB; the server answers once it has counted past 64 KiB.
    const res = await chunkedUpload(`${server.url}/echo`, Buffer.alloc(16 * 1024, "c"), 4096);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE", maxBytes: LIMIT } });
    expect(received).toEqual([]);
    // What the client got to push before the answer: the limit plus what sockets buffer, not 64 MiB.
    expect(res.sentBytes).toBeLessThan(16 * 1024 * 1024);
  });

  it("leaves requests without a body alone", async () => {
    const req = new Request("http://x/echo", { method: "GET" });
    expect(await limitBody(req, LIMIT)).toBe(req);
  });
});
