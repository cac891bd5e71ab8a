import type { ShellLexer } from "./shell-lexer";
import { BLANK, MSG, NAME_CHAR, OPERATOR, SLOT, STARTERS, type CasePhase, type Heredoc } from "./shell-syntax";

/**
 * Reads one list of commands (the script, a `$(…)` or a backtick body), tracking what the slot
 * checks need: the current word (is it an assignment's name? a reserved word?), the current
 * simple command (is it `eval`?), `case` phases (whose `)` closes a pattern, not a `$(`),
 * subshell depth and heredocs waiting for the end of the line.
 */
export class CommandReader {
  private readonly cases: CasePhase[] = [];
  private heredocs: Heredoc[] = [];
  private depth = 0;
  // The current word.
  private inWord = false;
  private text = ""; // its characters while it has no quotes, escapes, expansions or slots
  private plain = true;
  private nameSoFar = true; // only name characters (and slots) so far: may be an assignment's name
  private slotInName = -1;
  private assignment = false;
  private wordSlot = -1; // index of the word's first slot, -1 when none
  // The current simple command.
  private commandStart = true;
  private redirectTarget = false;
  private evalCommand = false;
  private commandWordSlot = -1;

  constructor(
    private readonly lexer: ShellLexer,
    private readonly src: string,
  ) {}

  read(start: number, closer: ")" | null, openAt: number): number {
    const { lexer, src } = this;
    let i = start;
    while (i < lexer.len) {
      const c = src[i] as string;
      if (c === SLOT) i = this.slot(i);
      else if (c === "\\") i = this.backslash(i);
      else if (c === "'") {
        this.unplain();
        i = this.nested(() => lexer.singleQuoted(i + 1, i));
      } else if (c === '"') {
        this.unplain();
        i = this.nested(() => lexer.doubleQuoted(i + 1, i));
      } else if (c === "`") {
        this.unplain();
        i = this.nested(() => lexer.backtick(i + 1, i, false));
      } else if (c === "$") {
        this.unplain();
        i = this.nested(() => lexer.dollar(i, "command"));
      } else if (c === "#" && !this.inWord) i = this.comment(i);
      else if (BLANK.has(c)) {
        this.endWord();
        i++;
      } else if (c === "\n") i = this.newline(i);
      else if (c === ")") {
        const closed = this.closeParen(i, closer);
        if (closed) return i + 1;
        i++;
      } else if (OPERATOR.has(c)) i = this.operator(i, c);
      else i = this.wordChar(i, c);
    }
    this.endWord();
    if (closer === ")") lexer.refuse(openAt, "unclosed $( : add the ')' that ends the command substitution");
    if (this.heredocs.length > 0) lexer.heredocBodies(lexer.len, this.heredocs);
    return lexer.len;
  }

  /** Reads a quoted or nested part of the current word; an eval's arguments stay refused inside. */
  private nested(read: () => number): number {
    if (!this.evalCommand) return read();
    this.lexer.inEval++;
    try {
      return read();
    } finally {
      this.lexer.inEval--;
    }
  }

  private begin(): void {
    if (this.inWord) return;
    this.inWord = true;
    this.text = "";
    this.plain = true;
    this.nameSoFar = true;
    this.slotInName = -1;
    this.assignment = false;
    this.wordSlot = -1;
  }

  private unplain(): void {
    this.begin();
    this.plain = false;
    this.nameSoFar = false;
  }

  private endWord(): void {
    if (!this.inWord) return;
    this.inWord = false;
    const word = this.plain ? this.text : null;
    if (this.redirectTarget) {
      this.redirectTarget = false;
      return;
    }
    const top = this.cases.length - 1;
    const phase = this.cases[top];
    if (phase === "subject") {
      this.cases[top] = "in";
      return;
    }
    if (phase === "in") {
      if (word === "in") this.cases[top] = "pattern";
      return;
    }
    if (phase === "pattern") {
      if (word === "esac") this.cases.pop();
      return;
    }
    if (!this.commandStart) return;
    if (word === "case") {
      this.cases.push("subject");
      this.commandStart = false;
      return;
    }
    if (word === "esac" && phase === "body") {
      this.cases.pop();
      this.commandStart = false;
      return;
    }
    if ((word !== null && STARTERS.has(word)) || this.assignment) return;
    this.commandStart = false;
    this.commandWordSlot = this.wordSlot;
    if (word === "eval") this.evalCommand = true;
  }

  private separator(): void {
    this.endWord();
    this.commandStart = true;
    this.evalCommand = false;
    this.commandWordSlot = -1;
  }

  private slot(i: number): number {
    if (this.evalCommand) this.lexer.refuse(i, MSG.eval);
    const wasName = this.inWord ? this.nameSoFar : true;
    this.begin();
    this.plain = false;
    this.nameSoFar = wasName;
    if (this.commandStart && this.nameSoFar && this.slotInName < 0) this.slotInName = i;
    if (this.wordSlot < 0) this.wordSlot = i;
    this.lexer.slot(i, "word");
    return i + 1;
  }

  private backslash(i: number): number {
    const next = this.src[i + 1];
    if (next === SLOT) this.lexer.refuse(i + 1, MSG.backslash);
    if (next !== "\n") this.unplain(); // (backslash-newline: a line continuation, the word goes on)
    return i + 2;
  }

  /** A comment: what a slot in it turns into does not matter; it stays one quoted word anyway. */
  private comment(i: number): number {
    while (i < this.lexer.len && this.src[i] !== "\n") {
      if (this.src[i] === SLOT) this.lexer.slot(i, "word");
      i++;
    }
    return i;
  }

  private newline(i: number): number {
    this.separator();
    if (this.heredocs.length === 0) return i + 1;
    const next = this.lexer.heredocBodies(i + 1, this.heredocs);
    this.heredocs = [];
    return next;
  }

  /** At `)`: true when it closes the list being read (a `$(`). */
  private closeParen(i: number, closer: ")" | null): boolean {
    this.endWord();
    const top = this.cases.length - 1;
    if (this.cases[top] === "pattern") {
      this.cases[top] = "body";
      this.separator();
      return false;
    }
    if (this.depth > 0) {
      this.depth--;
      this.commandStart = false;
      return false;
    }
    if (closer === ")") return true;
    this.lexer.refuse(i, "unmatched ')': the quoting of the values after it cannot be told; remove it or add the '(' it closes");
  }

  /** At `;`, `&`, `|`, `(`, `<` or `>`. */
  private operator(i: number, c: string): number {
    const { lexer, src } = this;
    if ((c === "<" || c === ">") && this.inWord && this.plain && /^[0-9]+$/.test(this.text)) this.inWord = false; // 2>file: an fd number
    if (c === "(") {
      if (this.inWord && this.commandStart && this.wordSlot >= 0) lexer.refuse(this.wordSlot, MSG.functionName);
      if (!this.inWord && !this.commandStart && this.commandWordSlot >= 0) lexer.refuse(this.commandWordSlot, MSG.functionName);
      this.endWord();
      if (this.cases[this.cases.length - 1] === "pattern") return i + 1; // optional '(' before a pattern
      if (this.commandStart && src[i + 1] === "(") return lexer.arithmetic(i + 2, i, true);
      this.depth++;
      this.separator();
      return i + 1;
    }
    this.endWord();
    const top = this.cases.length - 1;
    if (c === ";") {
      let next = i + 1;
      if (src[next] === ";" || src[next] === "&") {
        if (this.cases[top] === "body") this.cases[top] = "pattern";
        next++;
      }
      this.separator();
      return next;
    }
    if (c === "|" && this.cases[top] === "pattern") return i + 1; // another pattern of the same item
    if (c === "&" || c === "|") {
      this.separator();
      return i + 1;
    }
    // < or >: a redirection; the next word is its target, the command goes on.
    if (c === "<" && src[i + 1] === "<" && src[i + 2] !== "<") {
      const doc = lexer.heredocHead(i);
      this.heredocs.push(doc.heredoc);
      return doc.next;
    }
    let next = i + 1;
    while (next < lexer.len && "<>&|".includes(src[next] as string)) next++;
    this.redirectTarget = true;
    return next;
  }

  private wordChar(i: number, c: string): number {
    this.begin();
    if (c === "=" && this.nameSoFar && (this.text.length > 0 || this.slotInName >= 0)) {
      if (this.commandStart && this.slotInName >= 0) this.lexer.refuse(this.slotInName, MSG.name);
      this.assignment = this.commandStart;
      this.nameSoFar = false;
    } else if (!NAME_CHAR.test(c)) this.nameSoFar = false;
    if (this.plain) this.text += c;
    return i + 1;
  }
}

