/**
 * Everything the CLI prints goes through here (lint-enforced: no process.stdout/stderr elsewhere in
 * src/cli), terminal-safe (./terminal-safe.ts): human output without control sequences, JSON with
 * every control character escaped.
 */
import { ESC, safeJson, terminalSafe } from "./terminal-safe";

type Stream = "stdout" | "stderr";

function streamOf(to: Stream): NodeJS.WriteStream {
  return to === "stderr" ? process.stderr : process.stdout;
}

/** Prints one or more lines of human output (made terminal-safe), each ending with a newline. */
export function printLine(text: string, to: Stream = "stdout"): void {
  streamOf(to).write(`${terminalSafe(text)}\n`);
}

/** Prints a value as (terminal-safe) JSON followed by a newline, indented or on one line. */
export function printJson(value: unknown, to: Stream = "stdout", options: { oneLine?: boolean } = {}): void {
  streamOf(to).write(`${safeJson(value, options)}\n`);
}

/** The CLI's own screen control (wf runs --watch redraws): only these sequences are ever sent. */
const OWN = {
  hideCursor: `${ESC}[?25l`,
  showCursor: `${ESC}[?25h`,
  /** up `n` lines, to the start, erase below */
  rewind: (n: number) => `${ESC}[${Math.max(0, Math.floor(n))}A\r${ESC}[J`,
};

export const screen = {
  get isTTY(): boolean {
    return process.stdout.isTTY === true;
  },
  get columns(): number {
    return process.stdout.columns > 0 ? process.stdout.columns : 200;
  },
  hideCursor: () => void process.stdout.write(OWN.hideCursor),
  showCursor: () => void process.stdout.write(OWN.showCursor),
  /** Replaces the previous `drawn` lines by `text` (terminal-safe). */
  redraw: (drawn: number, text: string) => void process.stdout.write(`${drawn > 0 ? OWN.rewind(drawn) : ""}${terminalSafe(text)}\n`),
};
