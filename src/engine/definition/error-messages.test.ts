import { describe, expect, it } from "vitest";
import { loadWorkflow, type LoadLimits } from "./load-workflow";
import type { WorkflowIssueCode } from "./workflow-issue";

/** Every message must tell the user what to do, with one of these imperative verbs. */
const FIX_HINT = /\b(add|remove|rename|set|write|quote|change|use|split|fix|move|indent|align|declare|define|keep|shorten|put|escape|flatten|close)\b/;

interface Case {
  name: string;
  yaml: string[];
  limits?: Partial<LoadLimits>;
  code: WorkflowIssueCode;
  line: number;
  col: number;
  /** Part of the message: the hint the user needs. */
  says: string | RegExp;
}

const noop = (id: string, extra = ""): string => `  - { id: ${id}, type: noop${extra} }`;

const cases: Case[] = [
  { name: "YAML syntax error (unclosed quote)", yaml: ['name: "demo', "steps: []"], code: "yaml_syntax", line: 3, col: 1, says: "add the missing closing character" },
  { name: "duplicate key", yaml: ["name: a", "name: b", "steps:", noop("x")], code: "duplicate_key", line: 2, col: 1, says: 'duplicate key "name" (first at 1:1): each key may appear once' },
  {
    name: "duplicate nested key",
    yaml: ["name: a", "steps:", "  - id: x", "    type: noop", "    timeout: 5m", "    timeout: 10m"],
    code: "duplicate_key", line: 6, col: 5, says: 'duplicate key "timeout" (first at 5:5)',
  },
  { name: "tab indentation", yaml: ["name: a", "steps:", "\t- { id: x, type: noop }"], code: "yaml_syntax", line: 3, col: 1, says: "indent with spaces, not tabs" },
  { name: "unknown top-level field with did-you-mean", yaml: ["name: a", "descripton: hi", "steps:", noop("x")], code: "unknown_field", line: 2, col: 1, says: 'unknown field "descripton" (did you mean "description"?): rename it to "description"' },
  { name: "needs as a string", yaml: ["name: a", "steps:", noop("x"), "  - { id: y, type: noop, needs: x }"], code: "invalid_type", line: 4, col: 33, says: "expected list, got string \"x\": write a list, e.g. [x]" },
  { name: "id as a number", yaml: ["name: a", "steps:", "  - { id: 5, type: noop }"], code: "invalid_type", line: 3, col: 11, says: 'expected string, got number 5: quote it, e.g. "5"' },
  { name: "invalid duration", yaml: ["name: a", "steps:", "  - id: x", "    type: noop", "    timeout: 10 minutes"], code: "invalid_value", line: 5, col: 14, says: 'invalid duration "10 minutes": write a duration such as 250ms, 30s, 10m' },
  { name: "bad retry backoff", yaml: ["name: a", "steps:", "  - id: x", "    type: noop", "    retries: { max: 2, backoff: linear }"], code: "invalid_value", line: 5, col: 33, says: 'invalid value "linear": set it to one of fixed, exponential' },
  { name: "unknown step type with did-you-mean", yaml: ["name: a", "steps:", "  - { id: x, type: shel, params: { command: make } }"], code: "unknown_step_type", line: 3, col: 20, says: /^unknown step type "shel" \(did you mean "shell"\?\): set it to one of shell, http/ },
  { name: "empty steps", yaml: ["name: a", "steps: []"], code: "invalid_value", line: 2, col: 8, says: "a workflow needs at least one step: add one under steps" },
  { name: "shell step without params", yaml: ["name: a", "steps:", "  - id: x", "    type: shell"], code: "missing_field", line: 3, col: 5, says: 'missing required field "params": add params: { command: make test }' },
  { name: "shell step with command and argv", yaml: ["name: a", "steps:", "  - id: x", "    type: shell", "    params: { command: make, argv: [make] }"], code: "invalid_value", line: 5, col: 36, says: "both params.command and params.argv are set: remove one of them" },
  { name: "cycle of three steps", yaml: ["name: a", "steps:", noop("a", ", needs: [c]"), noop("b", ", needs: [a]"), noop("c", ", needs: [b]")], code: "cycle", line: 4, col: 34, says: "dependency cycle: a -> b -> c -> a; remove one of these needs" },
  { name: "self-dependency", yaml: ["name: a", "steps:", noop("a", ", needs: [a]")], code: "self_dependency", line: 3, col: 34, says: 'step "a" needs itself: remove "a" from its needs' },
  { name: "unknown need with did-you-mean", yaml: ["name: a", "steps:", noop("build"), noop("test", ", needs: [biuld]")], code: "unknown_dependency", line: 4, col: 37, says: 'needs unknown step "biuld" (did you mean "build"?): rename it to "build"' },
  { name: "unknown need without a near miss", yaml: ["name: a", "steps:", noop("build"), noop("test", ", needs: [zzz]")], code: "unknown_dependency", line: 4, col: 37, says: 'needs unknown step "zzz": remove it from needs or use an existing id (build, test)' },
  {
    name: "duplicate id in nested parallel",
    yaml: ["name: a", "steps:", noop("a"), "  - id: p", "    type: parallel", "    steps:", "      - { id: a, type: noop }"],
    code: "duplicate_id", line: 7, col: 15, says: 'duplicate step id "a": already used at steps[0] (line 3); rename one of them',
  },
  { name: "if reads a downstream step", yaml: ["name: a", "steps:", noop("a", ", if: 'steps.b.status == \"succeeded\"'"), noop("b", ", needs: [a]")], code: "reference_not_upstream", line: 3, col: 31, says: '"b" runs after it (it depends on step "a"): move the expression to a step that needs "b", or remove the reference' },
  { name: "if reads a step that is not upstream", yaml: ["name: a", "steps:", noop("a"), noop("b", ", if: 'steps.a.status == \"succeeded\"'")], code: "reference_not_upstream", line: 4, col: 31, says: 'add "a" to its needs' },
  { name: "CEL syntax error in if", yaml: ["name: a", "steps:", noop("a"), noop("b", ", needs: [a], if: 'steps.a.status == '")], code: "expression_syntax", line: 4, col: 61, says: "fix the CEL syntax" },
  { name: "CEL type error", yaml: ["name: a", "steps:", noop("a"), noop("b", ", needs: [a], if: 'steps.a.status + 1'")], code: "expression_type", line: 4, col: 43, says: "no such overload: string + int; a step result has status (string), output and attempt (int): fix the operand types" },
  { name: "unclosed template", yaml: ["name: a", "steps:", "  - id: x", "    type: shell", '    params: { command: "echo {{ inputs.who" }'], code: "expression_syntax", line: 5, col: 30, says: "unclosed '{{': add '}}' after the expression" },
  {
    name: "alias bomb",
    yaml: ["a: &a [x,x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]", "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]"],
    code: "alias_limit", line: 2, col: 8, says: "write the values out or reduce anchors",
  },
  { name: "unresolved alias", yaml: ["name: a", "steps:", "  - *step"], code: "yaml_syntax", line: 3, col: 5, says: "define the anchor (&step) before this alias" },
  { name: "oversized file", yaml: ["name: big", `description: ${"x".repeat(2000)}`, "steps: []"], limits: { maxBytes: 1000 }, code: "file_too_large", line: 1, col: 1, says: "split it into sub-workflows or raise limits.maxBytes" },
  { name: "too many steps", yaml: ["name: m", "steps:", ...Array.from({ length: 6 }, (_, i) => noop(`s${i}`))], limits: { maxSteps: 5 }, code: "too_many_steps", line: 3, col: 3, says: "split it into sub-workflows or raise limits.maxSteps" },
  { name: "invalid input type", yaml: ["name: a", "inputs:", "  who: { type: strng }", "steps:", noop("a")], code: "invalid_value", line: 3, col: 16, says: 'invalid value "strng" (did you mean "string"?): set it to one of string, number, boolean, object, array' },
  { name: "input default not matching its type", yaml: ["name: a", "inputs:", "  count: { type: number, default: ten }", "steps:", noop("a")], code: "invalid_input", line: 3, col: 35, says: 'default of input "count" is string "ten", but its type is number: change the default to a number or the type to string' },
  { name: "foreach without items", yaml: ["name: a", "steps:", "  - id: each", "    type: foreach", "    step: { type: noop }"], code: "missing_field", line: 3, col: 5, says: 'missing required field "items": add items: inputs.services (a CEL list)' },
  { name: "typ instead of type", yaml: ["name: a", "steps:", "  - id: x", "    typ: shell", "    params: { command: make }"], code: "unknown_field", line: 4, col: 5, says: 'unknown field "typ" (did you mean "type"?): rename it to "type", one of shell, http' },
  { name: "di instead of id", yaml: ["name: a", "steps:", "  - di: x", "    type: noop"], code: "unknown_field", line: 3, col: 5, says: 'unknown field "di" (did you mean "id"?): rename it to "id", a required field' },
  { name: "nmae instead of name", yaml: ["nmae: a", "steps:", noop("x")], code: "unknown_field", line: 1, col: 1, says: 'unknown field "nmae" (did you mean "name"?): rename it to "name", a required field' },
  { name: "stpes instead of steps", yaml: ["name: a", "stpes:", noop("x")], code: "unknown_field", line: 2, col: 1, says: 'unknown field "stpes" (did you mean "steps"?): rename it to "steps", a required field' },
  { name: "parms instead of params", yaml: ["name: a", "steps:", "  - id: x", "    type: shell", "    parms: { command: make }"], code: "unknown_field", line: 5, col: 5, says: 'unknown field "parms" (did you mean "params"?): rename it to "params", a required field' },
  { name: "unquoted template", yaml: ["name: a", "steps:", "  - id: x", "    type: shell", "    params:", "      command: {{ inputs.cmd }}"], code: "invalid_type", line: 6, col: 16, says: 'quote the template, e.g. "{{ inputs.cmd }}"' },
  { name: "gate form: select without options", yaml: ["name: a", "steps:", "  - id: x", "    type: approval", "    approval:", "      form:", "        - { name: env, type: select }"], code: "invalid_value", line: 7, col: 11, says: 'select field "env" needs options: add options' },
  { name: "gate form: default of the wrong type", yaml: ["name: a", "steps:", "  - id: x", "    type: approval", "    approval:", "      form:", "        - { name: n, type: number, default: many }"], code: "invalid_value", line: 7, col: 45, says: 'default of form field "n" must be a number, got "many": change the default' },
  { name: "gate form: duplicate field", yaml: ["name: a", "steps:", "  - id: x", "    type: approval", "    approval:", "      form:", "        - { name: n }", "        - { name: n }"], code: "invalid_value", line: 8, col: 19, says: 'duplicate form field "n": rename one of them' },
  { name: "gate form: a field hiding the approval output", yaml: ["name: a", "steps:", "  - id: x", "    type: approval", "    approval:", "      form:", "        - { name: comment }"], code: "invalid_value", line: 7, col: 19, says: 'form field "comment" would hide' },
  { name: "not a mapping", yaml: ["- just", "- a list"], code: "not_a_mapping", line: 1, col: 1, says: 'write top-level keys, at least "name:" and "steps:"' },
];

describe("every loader error names file, line, column and the fix", () => {
  it.each(cases)("$name", ({ yaml, limits, code, line, col, says }) => {
    const r = loadWorkflow(`${yaml.join("\n")}\n`, { file: "w.yaml", ...(limits ? { limits } : {}) });
    expect(r.ok).toBe(false);
    expect(r.errors).toContainEqual(expect.objectContaining({ file: "w.yaml", code, line, col, message: typeof says === "string" ? expect.stringContaining(says) : expect.stringMatching(says) }));
    for (const e of r.errors) {
      expect(e.line).toBeGreaterThan(0);
      expect(e.col).toBeGreaterThan(0);
      expect(e.message).toMatch(FIX_HINT);
      expect(e.code).not.toBe("internal");
    }
  });

  it("a near-miss of a required field is one message, not also 'missing field'", () => {
    for (const c of cases.filter((x) => x.name.includes(" instead of "))) {
      const r = loadWorkflow(`${c.yaml.join("\n")}\n`, { file: "w.yaml" });
      expect(r.errors.map((e) => e.code)).toEqual(["unknown_field"]);
    }
  });
});

describe("graph checks still run when the schema fails", () => {
  it("reports a params typo and a cycle together", () => {
    const yaml = [
      "name: demo",
      "steps:",
      "  - id: build",
      "    type: shell",
      "    needs: [deploy]",
      "    params: { comand: make }",
      "  - id: deploy",
      "    type: shell",
      "    needs: [build]",
      "    params: { command: ./deploy.sh }",
      "",
    ].join("\n");
    const r = loadWorkflow(yaml, { file: "w.yaml" });
    expect(r.errors.map((e) => [e.line, e.col, e.code])).toEqual([
      [6, 15, "unknown_field"],
      [9, 13, "cycle"],
    ]);
    expect(r.errors[1]?.message).toBe("dependency cycle: build -> deploy -> build; remove one of these needs");
  });

  it("a step without type still takes part in dependency checks by id", () => {
    const yaml = ["name: a", "steps:", "  - { id: build }", "  - { id: test, type: noop, needs: [build], if: 'steps.build.status == \"succeeded\"' }", ""].join("\n");
    const r = loadWorkflow(yaml, { file: "w.yaml" });
    expect(r.errors.map((e) => e.code)).toEqual(["missing_field"]);
    expect(r.errors[0]).toMatchObject({ line: 3, col: 5, message: expect.stringContaining("add type: one of shell") });
  });

  it("reports unknown references, duplicates and self-dependencies next to schema errors", () => {
    const yaml = [
      "name: a",
      "steps:",
      "  - { id: a, type: noop, timeout: soon }",
      "  - { id: a, type: noop, needs: [a] }",
      "  - id: p",
      "    type: parallel",
      "    steps:",
      "      - { id: c, type: noop, if: 'steps.ghost.status == \"ok\"' }",
      "",
    ].join("\n");
    expect(loadWorkflow(yaml).errors.map((e) => e.code)).toEqual(["invalid_value", "duplicate_id", "self_dependency", "unknown_reference"]);
  });

  it("skips what cannot be interpreted: unreadable needs give no 'not upstream' verdicts", () => {
    const yaml = [
      "name: a",
      "steps:",
      "  - { id: a, type: noop }",
      "  - { id: b, type: noop, needs: { a: true } }",
      "  - { id: c, type: noop, needs: [b], if: 'steps.a.status == \"succeeded\"' }",
      "  - { id: 7, type: noop, needs: [c] }",
      "  - oops",
      "",
    ].join("\n");
    const r = loadWorkflow(yaml);
    expect(r.errors.map((e) => [e.path, e.code])).toEqual([
      ["steps[1].needs", "invalid_type"],
      ["steps[3].id", "invalid_type"],
      ["steps[4]", "invalid_type"],
    ]);
  });

  it("one error per place: a schema error hides the graph error at the same path", () => {
    const yaml = ["name: a", "steps:", "  - { id: a, type: noop, if: '' }", ""].join("\n");
    expect(loadWorkflow(yaml).errors.map((e) => [e.path, e.code])).toEqual([["steps[0].if", "invalid_value"]]);
  });

  it("a near-miss type validates the rest of the step", () => {
    const yaml = ["name: a", "steps:", "  - { id: x, type: shel, timeout: 10 minutes, params: { comand: make } }", ""].join("\n");
    expect(loadWorkflow(yaml).errors.map((e) => e.code)).toEqual(["unknown_step_type", "invalid_value", "unknown_field"]);
  });
});
