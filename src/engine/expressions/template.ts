/** One piece of a `{{ }}` template: literal text or an expression with its offset in the text. */
export type TemplateSegment = { kind: "text"; text: string } | { kind: "expr"; expr: string; offset: number };

export type TemplateParse = { ok: true; segments: TemplateSegment[] } | { ok: false; message: string; offset: number };

/** Splits `a {{ x }} b` into segments. No nesting: `{{` inside an expression is an error. */
export function parseTemplate(text: string): TemplateParse {
  const segments: TemplateSegment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf("{{", pos);
    if (open < 0) {
      segments.push({ kind: "text", text: text.slice(pos) });
      break;
    }
    if (open > pos) segments.push({ kind: "text", text: text.slice(pos, open) });
    const close = text.indexOf("}}", open + 2);
    if (close < 0) return { ok: false, message: "unclosed '{{': add '}}' after the expression", offset: open };
    const raw = text.slice(open + 2, close);
    const lead = raw.length - raw.trimStart().length;
    const expr = raw.trim();
    if (expr.length === 0) return { ok: false, message: "empty '{{ }}': put an expression inside", offset: open };
    if (expr.includes("{{")) return { ok: false, message: "'{{' cannot be nested inside an expression", offset: open };
    segments.push({ kind: "expr", expr, offset: open + 2 + lead });
    pos = close + 2;
  }
  return { ok: true, segments };
}

/** Cheap test used on hot paths: does the string contain a template at all? */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}
