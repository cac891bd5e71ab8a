import pino from "pino";
import { env } from "~/env";

/** Keys whose values never reach a log line, at any depth we know of. */
export const REDACT_PATHS = [
  "password",
  "passwordHash",
  "secret",
  "token",
  "authorization",
  "cookie",
  "*.password",
  "*.passwordHash",
  "*.secret",
  "*.token",
  "*.authorization",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
];

export const logger = pino({
  level: env.NODE_ENV === "test" && env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL,
  redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  base: { pid: process.pid },
});
