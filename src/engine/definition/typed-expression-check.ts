import { Environment } from "@marcbachmann/cel-js";
import { EXPRESSION_VARIABLES } from "../expressions/cel-environment";

/**
 * A validation-only CEL environment that knows the shape of `steps.<id>` (status, output, attempt:
 * what the scheduler puts in scope), so `steps.a.status + 1` or `steps.a.stauts` is a type error at
 * load time. The runtime environment keeps `steps` a plain map; this one is only stricter.
 */
function buildTypedEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
  env.registerType("StepResult", { fields: { status: "string", output: "dyn", attempt: "int" } });
  for (const name of EXPRESSION_VARIABLES) {
    if (name === "steps") env.registerVariable(name, "map<string, StepResult>");
    else env.registerVariable(name, name === "item" || name === "output" ? "dyn" : name === "index" || name === "attempt" ? "int" : "map");
  }
  return env;
}

let typed: Environment | undefined;

/** Type-checks an expression that already parsed, with typed step results; undefined when fine. */
export function stepTypeError(expression: string): { message: string; offset: number } | undefined {
  typed ??= buildTypedEnvironment();
  try {
    const checked = typed.parse(expression).check();
    if (checked.valid) return undefined;
    const message = (checked.error?.message ?? "type error").split("\n")[0] ?? "type error";
    return { message, offset: checked.error?.range?.start ?? 0 };
  } catch {
    // The runtime environment accepted it; a disagreement here is not the user's error.
    return undefined;
  }
}
