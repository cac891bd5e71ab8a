import { InvalidArgumentError, type Command } from "commander";
import { EXIT } from "../exit-codes";
import { formatAuditTable } from "../format";
import { remoteAction } from "../remote-action";
import { printJson, printLine } from "../terminal-output";

const AUDIT_EXIT_CODES_HELP = `
Exit codes:
  0  the audit chain is intact
  1  the chain is broken (prints: audit chain broken at row N: <reason>)
  2  usage or configuration error, missing/rejected token (audit.read is needed)
  4  server or network error (unreachable, HTTP 5xx, unexpected response)`;

const wholeNumber = (min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

/** `wf audit verify`: checks the team's hash-chained audit log; `wf audit log`: its entries. */
export function auditCommand(program: Command): void {
  const audit = program.command("audit").description("the team's hash-chained audit log (decisions on gates and other changes)");
  audit
    .command("verify")
    .description("check the audit log's hash chain; exit 1 and the first bad row when it is broken")
    .option("--json", "print {ok, rows, badRowId?, reason?} as JSON")
    .addHelpText("after", AUDIT_EXIT_CODES_HELP)
    .action(
      remoteAction(async ({ client }, options: { json?: boolean }) => {
        const v = await client.verifyAudit();
        if (options.json) printJson(v);
        else if (v.ok) printLine(`audit chain intact: ${v.rows} rows`);
        else printLine(`audit chain broken at row ${v.badRowId ?? "?"}: ${v.reason ?? "unknown reason"}`);
        return v.ok ? EXIT.ok : EXIT.failed;
      }),
    );
  audit
    .command("log")
    .description("list audit entries, oldest first (admins: every change; approvers: the decisions on gates)")
    .option("--actor <text>", "entries whose actor contains this text (an e-mail, engine, system)")
    .option("--action <action>", "one action (user.disabled) or every action of a kind (run, gate, workflow, user, token, team, webhook)")
    .option("--target <target>", "a kind (run), one object (run:run_1), or text the target's id contains")
    .option("--from <time>", "entries at or after this time (ISO 8601 or epoch ms)")
    .option("--to <time>", "entries at or before this time (ISO 8601 or epoch ms)")
    .option("--after <id>", "entries after this row id", wholeNumber(0, Number.MAX_SAFE_INTEGER))
    .option("--limit <n>", "at most this many entries (1-1000)", wholeNumber(1, 1000), 200)
    .option("--json", "print the entries as JSON")
    .action(
      remoteAction(async ({ client }, options: { actor?: string; action?: string; target?: string; from?: string; to?: string; after?: number; limit: number; json?: boolean }) => {
        const { actor, action, target, from, to, after, limit } = options;
        const entries = await client.listAudit({ actor, action, target, from, to, after, limit });
        if (options.json) printJson(entries);
        else printLine(formatAuditTable(entries));
        const last = entries.at(-1);
        if (!options.json && last && entries.length === options.limit) printLine(`more: the same command with --after ${last.id}`);
      }),
    );
}
