import type { Json } from "../json";
import { analyzeExpression } from "./analyze-expression";
import { hasTemplate, parseTemplate } from "./template";

/**
 * Step ids read by the `{{ }}` templates anywhere in a JSON value (params set at a gate, which the
 * plan did not see when it computed the node's refs). Unparsable templates add nothing: rendering
 * reports them.
 */
export function templateStepRefs(value: Json | undefined): string[] {
  const refs = new Set<string>();
  const walk = (v: Json | undefined): void => {
    if (typeof v === "string") {
      if (!hasTemplate(v)) return;
      const t = parseTemplate(v);
      if (!t.ok) return;
      for (const s of t.segments) {
        if (s.kind !== "expr") continue;
        const a = analyzeExpression(s.expr);
        if (a.ok) for (const r of a.refs.steps) refs.add(r);
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return [...refs];
}
