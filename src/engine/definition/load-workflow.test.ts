import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadWorkflow } from "./load-workflow";
import { validateWorkflow } from "./validate-workflow";
import { workflowJsonSchema } from "./json-schema";

const codes = (yaml: string, limits = {}) => loadWorkflow(yaml, { file: "w.yaml", limits }).errors.map((e) => e.code);

describe("loadWorkflow", () => {
  it("reports every error of a file together, with file, line, col and path", () => {
    const yaml = [
      "name: demo",
      "steps:",
      "  - id: build",
      "    type: shell",
      "    params: { command: make }",
      "  - id: test",
      "    type: shell",
      "    needs: [biuld]",
      "    retries: { max: 2, backof: fixed }",
      "    params: { command: make test }",
      "",
    ].join("\n");
    const r = loadWorkflow(yaml, { file: "w.yaml" });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      { file: "w.yaml", line: 8, col: 13, path: "steps[1].needs[0]", code: "unknown_dependency", message: 'step "test" needs unknown step "biuld" (did you mean "build"?): rename it to "build"' },
      expect.objectContaining({ line: 9, col: 24, path: "steps[1].retries.backof", code: "unknown_field", message: expect.stringContaining('did you mean "backoff"') }),
    ]);
  });

  it("shows the whole cycle", () => {
    const yaml = "name: c\nsteps:\n  - { id: build, type: noop, needs: [deploy] }\n  - { id: test, type: noop, needs: [build] }\n  - { id: deploy, type: noop, needs: [test] }\n";
    const [e] = loadWorkflow(yaml).errors;
    expect(e).toMatchObject({ code: "cycle", message: "dependency cycle: build -> test -> deploy -> build; remove one of these needs", line: 4, path: "steps[1].needs[0]" });
  });

  it("rejects duplicate ids across nested steps, self-dependency, bad references and CEL errors", () => {
    const yaml = [
      "name: d",
      "steps:",
      "  - { id: a, type: noop, needs: [a] }",
      "  - id: p",
      "    type: parallel",
      "    steps:",
      "      - { id: a, type: noop }",
      "      - { id: b, type: noop, if: 'steps.z.status == \"ok\"' }",
      "  - { id: c, type: noop, if: 'steps.a.output + 1 == \"x\" +' }",
      "  - { id: e, type: noop, if: 'steps.a.status == \"succeeded\"' }",
      "",
    ].join("\n");
    expect(codes(yaml).sort()).toEqual(["duplicate_id", "expression_syntax", "reference_not_upstream", "self_dependency", "unknown_reference"].sort());
  });

  it("rejects duplicate keys, alias bombs, oversized files and too many steps", () => {
    expect(codes("name: a\nname: b\nsteps: []\n")).toEqual(["duplicate_key"]);
    const bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n";
    expect(codes(bomb)).toEqual(["alias_limit"]);
    expect(codes(`name: big\ndescription: ${"x".repeat(2000)}\nsteps: []\n`, { maxBytes: 1000 })).toEqual(["file_too_large"]);
    const many = `name: m\nsteps:\n${Array.from({ length: 6 }, (_, i) => `  - { id: s${i}, type: noop }`).join("\n")}\n`;
    expect(codes(many, { maxSteps: 5 })).toEqual(["too_many_steps"]);
    expect(loadWorkflow(many).ok).toBe(true);
  });

  it("type-checks params per step type", () => {
    const yaml = "name: p\nsteps:\n  - { id: h, type: http, params: { url: 'https://x', method: FETCH } }\n  - { id: w, type: wait, params: {} }\n";
    const r = loadWorkflow(yaml);
    expect(r.errors.map((e) => [e.path, e.code])).toEqual([
      ["steps[0].params.method", "invalid_value"],
      ["steps[1].params", "missing_field"],
    ]);
  });

  it("validates definitions built in code (no source: line 0)", () => {
    const issues = validateWorkflow({ name: "x", steps: [{ id: "a", type: "noop", needs: ["nope"] }] });
    expect(issues[0]).toMatchObject({ line: 0, col: 0, code: "unknown_dependency" });
  });

  it("generates a JSON Schema from the zod schema", () => {
    const schema = workflowJsonSchema();
    expect(schema).toMatchObject({ type: "object", required: expect.arrayContaining(["name", "steps"]) });
  });

  it("fuzz: random YAML and random bytes yield structured errors, never a throw", () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b)),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          name: fc.oneof(fc.string(), fc.constant("ok")),
          steps: fc.array(
            fc.record({ id: fc.string({ maxLength: 5 }), type: fc.constantFrom("shell", "noop", "parallel", "bogus"), needs: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), if: fc.string({ maxLength: 20 }) }, { requiredKeys: ["id"] }),
            { maxLength: 6 },
          ),
        })
        .map((v) => JSON.stringify(v)),
      fc.array(fc.constantFrom("a:", " b", "- ", "&x ", "*x", "{", "}", "[", "]", "\n", "  ", ":", "'", '"', "!!str ", "? ", "---\n", "{{ x }}"), { maxLength: 40 }).map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(yamlish, (source) => {
        const r = loadWorkflow(source, { file: "f.yaml" });
        if (r.ok) return true;
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) {
          expect(e).toMatchObject({ file: "f.yaml", line: expect.any(Number), col: expect.any(Number), path: expect.any(String), message: expect.any(String), code: expect.any(String) });
          expect(e.code).not.toBe("internal");
        }
        return true;
      }),
      { numRuns: 400 },
    );
  });
});
