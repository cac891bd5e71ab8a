import pino from "pino";
import { env } from "~/env";
import { maskUrlCredentials, maskUrlCredentialsDeep } from "~/server/http/mask-url-credentials";

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

/**
 * The server's logger: secrets by key are redacted, and credentials inside URLs
 * (`https://user:pass@host`) are masked in every field and message, whoever logs them.
 */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: env.NODE_ENV === "test" && env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      formatters: { log: (record) => maskUrlCredentialsDeep(record) },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a: unknown) => (typeof a === "string" ? maskUrlCredentials(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    destination,
  );
}

export const logger = createLogger();
