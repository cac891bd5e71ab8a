/** Shared vocabulary of the shell-quoting lexer (shell-lexer.ts, shell-command-reader.ts). */

/**
 * Where a `{{ }}` template sits in a shell script, as POSIX sh would read it:
 * - `word`: unquoted (also a `case` pattern, a comment, inside `$(…)` or backticks at their top);
 * - `double_quoted`: inside "…";  `single_quoted`: inside '…';
 * - `heredoc`: in the body of a heredoc with an unquoted delimiter (`<<EOF`).
 */
export type ShellContext = "word" | "double_quoted" | "single_quoted" | "heredoc";

/** Stands for a template in the text the lexer reads (a command holding a NUL is refused first). */
export const SLOT = "\u0000";

export class Refusal {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** The text to lex and, per character, its offset in the template (backtick bodies are unescaped copies). */
export interface Source {
  src: string;
  offs: readonly number[];
}

export type CasePhase = "subject" | "in" | "pattern" | "body";
export interface Heredoc {
  delim: string;
  quoted: boolean;
  stripTabs: boolean;
  at: number;
}

/** Reserved words after which a command word is still expected. */
export const STARTERS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"]);
export const NAME_CHAR = /[A-Za-z0-9_]/;
export const BLANK = new Set([" ", "\t"]);
/** Characters that end an unquoted word (besides blanks and newline). */
export const OPERATOR = new Set([";", "&", "|", "(", ")", "<", ">"]);

export const MSG = {
  backslash: "a value cannot follow a backslash: the backslash would escape the quote that keeps the value one word; remove the backslash",
  dollar: "a value cannot follow '$' (it would become part of a parameter name): remove the '$'",
  nameAfterDollar: "a value cannot follow $NAME (it would extend the variable's name): write ${NAME}{{ … }}",
  parameter: "a value cannot be used inside ${…} (a parameter expansion reads it as a name, pattern or operator): assign it first, e.g. v={{ … }}; then use ${v%.txt}",
  arithmetic:
    "a value cannot be used inside $(( )) or (( )) (arithmetic evaluates it as an expression, which can run commands in some shells): assign it to a variable, check it is a number (case $n in ''|*[!0-9]*) exit 2;; esac), then use $((n + 1))",
  ansi: "a value cannot be used inside $'…': use double quotes around it",
  quotedHeredoc: "a value cannot be used inside a heredoc with a quoted delimiter (<<'EOF'), where nothing is expanded: unquote the delimiter (<<EOF) and the value is inserted as data",
  delimiter: "a value cannot be a heredoc delimiter: use a fixed word, e.g. <<EOF",
  name: "a value cannot be part of a variable name (before '='): use a fixed name and put the value after '=', e.g. NAME={{ … }}",
  functionName: "a value cannot be part of a function name: use a fixed name",
  eval: "eval runs its arguments as shell code, so a value given to it would become code: use the value directly (it is one quoted word), or pass it as an argument (\"$1\") to a function",
} as const;

