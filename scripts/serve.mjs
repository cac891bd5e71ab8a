// Serves the production build (what `next start` does) through Next's custom-server API, for one
// reason: the app must know each request's source address (sign-in throttling, src/server/http/
// client-address.ts), and `next start` forwards a client's own `X-Forwarded-For` unchanged, so a
// client could name any address. Here the socket's peer address is appended to X-Forwarded-For
// as a proxy would append it, so the header's last entry is always the address this server saw;
// TRUST_PROXY=N tells the app to step N entries further left (N proxies of yours in front).
import { createServer } from "node:http";
import next from "next";
import { root } from "./build-if-needed.mjs";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || "3000");

const app = next({ dev: false, dir: root, hostname: host, port });
await app.prepare();
const handle = app.getRequestHandler();

const server = createServer((req, res) => {
  const peer = req.socket.remoteAddress ?? "unknown";
  const prior = req.headers["x-forwarded-for"];
  const list = Array.isArray(prior) ? prior.join(", ") : prior;
  req.headers["x-forwarded-for"] = list ? `${list}, ${peer}` : peer;
  void handle(req, res);
});
server.on("error", (e) => {
  console.error(`Cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(`▲ Ready on http://${host}:${port}`);
});
