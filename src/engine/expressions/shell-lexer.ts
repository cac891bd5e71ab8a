import { CommandReader } from "./shell-command-reader";
import { BLANK, MSG, NAME_CHAR, OPERATOR, Refusal, SLOT, type Heredoc, type ShellContext, type Source } from "./shell-syntax";

/**
 * A recursive-descent reader of POSIX sh quoting: just enough grammar (words, quotes, `$…`
 * expansions, backticks, heredocs, `case` patterns, comments, assignments) to tell the context of
 * every slot. It does not run or check the script otherwise; a refusal is a context where a value
 * cannot be plain data.
 */
export class ShellLexer {
  private readonly src: string;
  readonly len: number;

  /**
   * > 0 while reading the arguments of an `eval` (and anything nested in them): eval parses its
   * arguments as shell code again, so a value there would become code.
   */
  inEval = 0;

  constructor(
    private readonly source: Source,
    private readonly slotAt: ReadonlyMap<number, number>,
    private readonly contexts: ShellContext[],
    inEval = 0,
  ) {
    this.inEval = inEval;
    this.src = source.src;
    this.len = source.src.length;
  }

  private offset(i: number): number {
    return this.source.offs[Math.min(i, this.len)] ?? 0;
  }

  refuse(i: number, message: string): never {
    throw new Refusal(message, this.offset(i));
  }

  slot(i: number, context: ShellContext): void {
    if (this.inEval > 0) this.refuse(i, MSG.eval);
    const k = this.slotAt.get(this.offset(i));
    if (k !== undefined) this.contexts[k] = context;
  }

  /**
   * A list of commands from `start` to `closer` (`)` of a `$(`) or the end of the text.
   * Returns the index after the closer.
   */
  commands(start: number, closer: ")" | null, openAt: number): number {
    return new CommandReader(this, this.src).read(start, closer, openAt);
  }

  /** After `'`: to the closing quote. */
  singleQuoted(i: number, openAt: number): number {
    for (; i < this.len; i++) {
      const c = this.src[i];
      if (c === "'") return i + 1;
      if (c === SLOT) this.slot(i, "single_quoted");
    }
    this.refuse(openAt, "unclosed ' : add the closing quote");
  }

  /** After `"`: to the closing quote. */
  doubleQuoted(i: number, openAt: number): number {
    const src = this.src;
    while (i < this.len) {
      const c = src[i];
      if (c === '"') return i + 1;
      if (c === SLOT) {
        this.slot(i, "double_quoted");
        i++;
      } else if (c === "\\") {
        if (src[i + 1] === SLOT) this.refuse(i + 1, MSG.backslash);
        i += 2;
      } else if (c === "$") i = this.dollar(i, "double");
      else if (c === "`") i = this.backtick(i + 1, i, true);
      else i++;
    }
    this.refuse(openAt, 'unclosed " : add the closing quote');
  }

  /** At `$`: skips the expansion it starts (recursing into `$(…)`), returns the index after it. */
  dollar(i: number, where: "command" | "double" | "heredoc"): number {
    const next = this.src[i + 1];
    if (next === SLOT) this.refuse(i + 1, MSG.dollar);
    if (next === "(") {
      if (this.src[i + 2] === "(") return this.arithmetic(i + 3, i, false);
      return this.commands(i + 2, ")", i);
    }
    if (next === "{") return this.parameter(i + 2, i);
    if (next === "'" && where === "command") return this.ansiC(i + 2, i);
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      let end = i + 2;
      while (end < this.len && NAME_CHAR.test(this.src[end] as string)) end++;
      if (this.src[end] === SLOT) this.refuse(end, MSG.nameAfterDollar);
      return end;
    }
    return i + 1;
  }

  /** After `$((` (or `((` at a command's start): to the matching `))`; no slot may be inside. */
  arithmetic(i: number, openAt: number, command: boolean): number {
    let depth = 0;
    for (; i < this.len; i++) {
      const c = this.src[i];
      if (c === SLOT) this.refuse(i, MSG.arithmetic);
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth > 0) depth--;
        else if (this.src[i + 1] === ")") return i + 2;
      }
    }
    this.refuse(openAt, `unclosed ${command ? "((" : "$(("} : add the '))' that ends it`);
  }

  /** After `${`: to the matching `}`; no slot may be inside, nested parts included. */
  private parameter(i: number, openAt: number): number {
    const src = this.src;
    let depth = 0;
    let quote: string | null = null;
    for (; i < this.len; i++) {
      const c = src[i];
      if (c === SLOT) this.refuse(i, MSG.parameter);
      if (c === "\\" && quote !== "'") {
        if (src[i + 1] === SLOT) this.refuse(i + 1, MSG.parameter);
        i++;
      } else if (quote !== null) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "{") depth++;
      else if (c === "}") {
        if (depth === 0) return i + 1;
        depth--;
      }
    }
    this.refuse(openAt, "unclosed ${ : add the '}' that ends it");
  }

  /** After `$'`: to the closing quote (backslash escapes inside). */
  private ansiC(i: number, openAt: number): number {
    for (; i < this.len; i++) {
      const c = this.src[i];
      if (c === SLOT) this.refuse(i, MSG.ansi);
      if (c === "\\") {
        if (this.src[i + 1] === SLOT) this.refuse(i + 1, MSG.ansi);
        i++;
      } else if (c === "'") return i + 1;
    }
    this.refuse(openAt, "unclosed $' : add the closing quote");
  }

  /**
   * After a backtick: the body up to the closing one, unescaped as the shell does (`\$`, `` \` ``,
   * `\\`, and `\"` inside double quotes), then read as commands of its own.
   */
  backtick(i: number, openAt: number, inDouble: boolean): number {
    const src = this.src;
    let body = "";
    const offs: number[] = [];
    for (; i < this.len; i++) {
      const c = src[i] as string;
      if (c === "`") {
        offs.push(this.offset(i));
        new ShellLexer({ src: body, offs }, this.slotAt, this.contexts, this.inEval).commands(0, null, 0);
        return i + 1;
      }
      if (c === "\\") {
        const next = src[i + 1];
        if (next === SLOT) this.refuse(i + 1, MSG.backslash);
        if (next === "$" || next === "`" || next === "\\" || (inDouble && next === '"')) {
          body += next;
          offs.push(this.offset(i + 1));
          i++;
          continue;
        }
      }
      body += c;
      offs.push(this.offset(i));
    }
    this.refuse(openAt, "unclosed ` : add the closing backtick");
  }

  /** At `<<`: the delimiter word. */
  heredocHead(at: number): { heredoc: Heredoc; next: number } {
    const src = this.src;
    let i = at + 2;
    const stripTabs = src[i] === "-";
    if (stripTabs) i++;
    while (BLANK.has(src[i] ?? "")) i++;
    let delim = "";
    let quoted = false;
    while (i < this.len) {
      const c = src[i] as string;
      if (c === SLOT) this.refuse(i, MSG.delimiter);
      if (BLANK.has(c) || c === "\n" || OPERATOR.has(c)) break;
      if (c === "'" || c === '"') {
        quoted = true;
        const close = src.indexOf(c, i + 1);
        if (close < 0) this.refuse(i, `unclosed ${c} in a heredoc delimiter: add the closing quote`);
        const inner = src.slice(i + 1, close);
        if (inner.includes(SLOT)) this.refuse(i + 1 + inner.indexOf(SLOT), MSG.delimiter);
        delim += c === '"' ? inner.replace(/\\([$`"\\])/g, "$1") : inner;
        i = close + 1;
      } else if (c === "\\") {
        quoted = true;
        if (src[i + 1] === SLOT) this.refuse(i + 1, MSG.delimiter);
        delim += src[i + 1] ?? "";
        i += 2;
      } else {
        delim += c;
        i++;
      }
    }
    if (delim === "" && !quoted) this.refuse(at, "<< needs a delimiter word, e.g. <<EOF");
    return { heredoc: { delim, quoted, stripTabs, at }, next: i };
  }

  /** From the line after the `<<` operators: each heredoc's body, then its delimiter line. */
  heredocBodies(i: number, heredocs: readonly Heredoc[]): number {
    const src = this.src;
    for (const doc of heredocs) {
      let lineStart = i;
      let bodyEnd = this.len;
      let next = this.len;
      while (lineStart < this.len) {
        const nl = src.indexOf("\n", lineStart);
        const lineEnd = nl < 0 ? this.len : nl;
        const line = src.slice(lineStart, lineEnd);
        if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delim) {
          bodyEnd = lineStart;
          next = nl < 0 ? this.len : nl + 1;
          break;
        }
        lineStart = nl < 0 ? this.len : nl + 1;
      }
      // (No delimiter line: the body runs to the end, as sh reads it.)
      if (doc.quoted) {
        const slot = src.indexOf(SLOT, i);
        if (slot >= 0 && slot < bodyEnd) this.refuse(slot, MSG.quotedHeredoc);
      } else this.heredocBody(i, bodyEnd);
      i = next;
    }
    return i;
  }

  /** An unquoted heredoc's body: `$`, backticks and backslash are special; quotes are not. */
  private heredocBody(i: number, end: number): void {
    const src = this.src;
    while (i < end) {
      const c = src[i];
      if (c === SLOT) {
        this.slot(i, "heredoc");
        i++;
      } else if (c === "\\") {
        if (src[i + 1] === SLOT) this.refuse(i + 1, MSG.backslash);
        i += 2;
      } else if (c === "$") i = this.dollar(i, "heredoc");
      else if (c === "`") i = this.backtick(i + 1, i, false);
      else i++;
    }
  }
}

