import { ShellLexer } from "./shell-lexer";
import { Refusal, SLOT, type ShellContext } from "./shell-syntax";
import { parseTemplate } from "./template";

export type { ShellContext };

export interface ShellSlot {
  /** The expression between the braces, trimmed. */
  expr: string;
  /** Offset of the slot's `{{` in the template. */
  at: number;
  context: ShellContext;
}

export type ShellRewrite =
  | {
      ok: true;
      /** The script for `/bin/sh -c`: the author's text with each template replaced by a variable reference. */
      script: string;
      /** One per template, in order; slot k is read from `WF_VALUE_<k>`. */
      slots: readonly ShellSlot[];
    }
  | { ok: false; message: string; /** 0-based offset in the template */ offset: number };

/** Name of the variable that carries slot `k`'s rendered value into the shell. */
export const shellValueName = (k: number): string => `WF_VALUE_${k}`;

/**
 * How slot k is referenced in each context. Only `${WF_VALUE_k}` is ever expanded: the value
 * itself is never part of the script, and POSIX sh never parses the result of a parameter
 * expansion as syntax again. The quoting around it only keeps the value one word (no field
 * splitting, no globbing) where it was written.
 */
function reference(context: ShellContext, k: number): string {
  const ref = `\${${shellValueName(k)}}`;
  switch (context) {
    case "word":
      return `"${ref}"`;
    case "double_quoted":
    case "heredoc":
      return ref;
    case "single_quoted":
      // Close the quote, expand in double quotes, reopen: 'a{{x}}b' -> 'a'"${X}"'b'.
      return `'"${ref}"'`;
  }
}

/**
 * Rewrites a shell step's `params.command` so that no rendered value ever becomes shell syntax:
 * each `{{ expr }}` is replaced by a reference to the variable `WF_VALUE_<k>` quoted for the
 * context it sits in (see `reference`), and the values travel beside the script (the shell
 * executor puts them in the child's environment, or in files when large). Contexts where a value
 * cannot be plain data are refused with the offset of the template.
 *
 * Depends on the template only, so a load-time check and the run-time rendering agree.
 */
export function rewriteShellCommand(template: string): ShellRewrite {
  const hit = cache.get(template);
  if (hit) return hit;
  const result = rewrite(template);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  // Long commands are rewritten each time: they would pin memory, and their lexing is not the cost.
  if (template.length <= CACHEABLE_LENGTH) cache.set(template, result);
  return result;
}

/*
 * Rewrites are cached like parsed expressions (cel-environment.ts): the same command starts in every
 * run of a workflow version. Results are never mutated by callers. Bounded so user text cannot
 * grow it without limit.
 */
const cache = new Map<string, ShellRewrite>();
const CACHE_LIMIT = 2_000;
const CACHEABLE_LENGTH = 4_096;

function rewrite(template: string): ShellRewrite {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return { ok: false, message: parsed.message, offset: parsed.offset };
  const nul = template.indexOf(SLOT);
  if (nul >= 0) return { ok: false, message: "the command contains a NUL character, which no shell script can hold: remove it", offset: nul };

  let src = "";
  const offs: number[] = [];
  const slotAt = new Map<number, number>();
  const slots: { expr: string; at: number }[] = [];
  let cursor = 0;
  for (const segment of parsed.segments) {
    if (segment.kind === "text") {
      src += segment.text;
      for (let j = 0; j < segment.text.length; j++) offs.push(cursor + j);
      cursor += segment.text.length;
      continue;
    }
    // parseTemplate cut the text right before each '{{' and after the next '}}'.
    const close = template.indexOf("}}", cursor + 2);
    slotAt.set(cursor, slots.length);
    slots.push({ expr: segment.expr, at: cursor });
    src += SLOT;
    offs.push(cursor);
    cursor = close + 2;
  }
  offs.push(cursor);

  const contexts: ShellContext[] = [];
  try {
    new ShellLexer({ src, offs }, slotAt, contexts).commands(0, null, 0);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }

  let script = "";
  let k = 0;
  for (const segment of parsed.segments) {
    if (segment.kind === "text") script += segment.text;
    else {
      script += reference(contexts[k] ?? "word", k);
      k++;
    }
  }
  return { ok: true, script, slots: slots.map((s, j) => ({ ...s, context: contexts[j] ?? "word" })) };
}
