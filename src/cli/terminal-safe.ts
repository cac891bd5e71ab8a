/**
 * Text from the server made harmless for a terminal. Step output, log lines, names, reasons and
 * error messages come from whoever wrote a workflow or a step's output: printed raw, an escape
 * sequence could retitle the terminal, rewrite what is on screen (a fake "succeeded"), plant a
 * hyperlink or, on some terminals, answer back into the shell's input. Human output keeps only
 * printable text, newlines and tabs; JSON output escapes every control character (JSON.stringify
 * leaves DEL and C1 raw), so the data stays exact for programs and inert for terminals.
 */

export const ESC = "\u001b";
const BEL = "\u0007";
// Built from strings: a regex literal with control characters trips no-control-regex.
const SEQUENCES = new RegExp(
  [
    // OSC (title, hyperlinks, clipboard), DCS, SOS, PM, APC: up to BEL or ST (ESC \ or U+009C), or the end
    // (the body stops at a newline or the next escape: linear time, and an unterminated one cannot
    // swallow the lines after it; a stray ESC ] is then removed by the last rule)
    `(?:${ESC}[\\]PX^_]|[\\u0090\\u0098\\u009d-\\u009f])[^\\n${ESC}${BEL}\\u009c]*(?:${BEL}|${ESC}\\\\|\\u009c)?`,
    // CSI (colours, cursor moves, erase, device reports): parameters, intermediates, a final byte
    `(?:${ESC}\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?`,
    // any other escape: ESC, optional intermediates, one final character
    `${ESC}[\\u0020-\\u002f]*[\\u0030-\\u007e]?`,
  ].join("|"),
  "g",
);
// Whatever control character is left: C0 but \t and \n, DEL, C1.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g; // eslint-disable-line no-control-regex

/** Printable text, newlines and tabs only: escape sequences are removed whole, other controls dropped. */
export function terminalSafe(text: string): string {
  return text.replace(SEQUENCES, "").replace(CONTROLS, "");
}

const UNESCAPED = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * JSON with every control character escaped (`\u009b`, not the raw character): same data, inert
 * text. Indented by two spaces, or on one line with `oneLine`.
 */
export function safeJson(value: unknown, options: { oneLine?: boolean } = {}): string {
  return JSON.stringify(value, null, options.oneLine ? undefined : 2).replace(UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

