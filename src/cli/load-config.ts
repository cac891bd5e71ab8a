import { z } from "zod";
import { EXIT } from "./exit-codes";

/**
 * The CLI's only reader of the environment (CONVENTIONS.md #8 for the CLI, which does not import
 * ~/env: that module is the server's and would demand server variables). Flags override variables.
 */
const ZCliEnv = z.object({
  WF_SERVER: z
    .url({ protocol: /^https?$/, error: "WF_SERVER must be an http(s) URL such as http://127.0.0.1:3000" })
    .default("http://127.0.0.1:3000"),
  WF_TOKEN: z.string().trim().min(1).optional().catch(undefined),
  /** How often `--wait`, `logs -f` and `runs --watch` poll the server; tests make it short. */
  WF_POLL_MS: z.coerce.number({ error: "WF_POLL_MS must be milliseconds" }).int().min(10).max(60_000).default(1000),
});

export type CliConfig = { server: string; token: string; pollMs: number };

export const MISSING_TOKEN = "set WF_TOKEN (Admin -> API tokens) or pass --token";

/** A configuration problem: exits 2 with its message. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly exitCode = EXIT.usage;
}

/** Server URL, token and poll interval from flags, else the environment; throws ConfigError. */
export function loadConfig(flags: { server?: string; token?: string }, env: Record<string, string | undefined> = process.env): CliConfig {
  const parsed = ZCliEnv.safeParse({
    WF_SERVER: flags.server ?? (env.WF_SERVER || undefined),
    WF_TOKEN: flags.token ?? env.WF_TOKEN,
    WF_POLL_MS: env.WF_POLL_MS || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "");
    const message = issue?.message ?? "invalid configuration";
    throw new ConfigError(name === "WF_SERVER" && flags.server !== undefined ? message.replace("WF_SERVER", "--server") : message);
  }
  const { WF_SERVER, WF_TOKEN, WF_POLL_MS } = parsed.data;
  if (!WF_TOKEN) throw new ConfigError(`no API token: ${MISSING_TOKEN}`);
  return { server: WF_SERVER.replace(/\/+$/, ""), token: WF_TOKEN, pollMs: WF_POLL_MS };
}
