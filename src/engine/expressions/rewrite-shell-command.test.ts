import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../definition/load-workflow";
import { rewriteShellCommand, type ShellContext } from "./rewrite-shell-command";

/** The script and the context of each slot, or the refusal with the offset of what it points at. */
const rewrite = (template: string) => rewriteShellCommand(template);
const contexts = (template: string): ShellContext[] => {
  const r = rewriteShellCommand(template);
  if (!r.ok) throw new Error(`refused: ${r.message}`);
  return r.slots.map((s) => s.context);
};
const refusal = (template: string) => {
  const r = rewriteShellCommand(template);
  if (r.ok) throw new Error(`accepted: ${r.script}`);
  return { at: r.offset, message: r.message };
};

describe("rewriteShellCommand: each context gets its reference", () => {
  it.each<[string, string, string, ShellContext[]]>([
    ["bare word", "echo {{ x }}", 'echo "${WF_VALUE_0}"', ["word"]],
    ["part of a word", "cp a.{{ x }}.tgz out/", 'cp a."${WF_VALUE_0}".tgz out/', ["word"]],
    ["inside double quotes", 'echo "hello {{ x }}!"', 'echo "hello ${WF_VALUE_0}!"', ["double_quoted"]],
    ["inside single quotes", "printf '{\"a\":\"{{ x }}\"}'", `printf '{"a":"'"\${WF_VALUE_0}"'"}'`, ["single_quoted"]],
    ["a single quote inside double quotes is a character", `echo "it's {{ x }}"`, `echo "it's \${WF_VALUE_0}"`, ["double_quoted"]],
    ["in $(…)", "echo $(echo {{ x }})", 'echo $(echo "${WF_VALUE_0}")', ["word"]],
    ["in $(…) inside double quotes", 'echo "$(echo {{ x }})"', 'echo "$(echo "${WF_VALUE_0}")"', ["word"]],
    ["in double quotes in $(…) in double quotes", 'echo "$(echo "a {{ x }}")"', 'echo "$(echo "a ${WF_VALUE_0}")"', ["double_quoted"]],
    ["in backticks", "echo `echo {{ x }}`", 'echo `echo "${WF_VALUE_0}"`', ["word"]],
    ["in single quotes in backticks in double quotes", "echo \"`echo '{{ x }}'`\"", `echo "\`echo ''"\${WF_VALUE_0}"''\`"`, ["single_quoted"]],
    ["in nested backticks", "echo `echo \\`echo {{ x }}\\``", 'echo `echo \\`echo "${WF_VALUE_0}"\\``', ["word"]],
    ["an unquoted heredoc", "cat <<EOF\nhi {{ x }}\nEOF\necho {{ y }}", 'cat <<EOF\nhi ${WF_VALUE_0}\nEOF\necho "${WF_VALUE_1}"', ["heredoc", "word"]],
    ["quotes are characters in a heredoc", "cat <<-END\n\t'{{ x }}' \"{{ y }}\"\n\tEND", "cat <<-END\n\t'${WF_VALUE_0}' \"${WF_VALUE_1}\"\n\tEND", ["heredoc", "heredoc"]],
    ["$(…) in a heredoc", "cat <<EOF\n$(echo {{ x }})\nEOF", 'cat <<EOF\n$(echo "${WF_VALUE_0}")\nEOF', ["word"]],
    ["after a quoted heredoc's body", "cat <<'EOF'\n$x {{\nEOF\necho {{ x }}".replace("{{\n", "\n"), 'cat <<\'EOF\'\n$x \nEOF\necho "${WF_VALUE_0}"', ["word"]],
    ["an assignment's value", "FOO={{ x }} make", 'FOO="${WF_VALUE_0}" make', ["word"]],
    ["a case subject and pattern", "case {{ x }} in {{ y }}|b) echo hit;; esac", 'case "${WF_VALUE_0}" in "${WF_VALUE_1}"|b) echo hit;; esac', ["word", "word"]],
    ["after a case inside $(…)", "echo $(case a in a) echo {{ x }};; esac) {{ y }}", 'echo $(case a in a) echo "${WF_VALUE_0}";; esac) "${WF_VALUE_1}"', ["word", "word"]],
    ["a redirection target", "echo hi > {{ x }} 2>/dev/null", 'echo hi > "${WF_VALUE_0}" 2>/dev/null', ["word"]],
    ["a comment", "true # {{ x }}", 'true # "${WF_VALUE_0}"', ["word"]],
    ["after ${NAME}, $1 and $@", 'echo ${HOME}{{ x }} $1{{ y }} "$@{{ z }}"', 'echo ${HOME}"${WF_VALUE_0}" $1"${WF_VALUE_1}" "$@${WF_VALUE_2}"', ["word", "word", "double_quoted"]],
    ["after a subshell and a ${…} without values", "(cd /tmp) && echo ${HOME:-/} {{ x }}", '(cd /tmp) && echo ${HOME:-/} "${WF_VALUE_0}"', ["word"]],
    ["a line continuation", "echo a \\\n  {{ x }}", 'echo a \\\n  "${WF_VALUE_0}"', ["word"]],
  ])("%s", (_name, template, script, expected) => {
    const r = rewrite(template);
    expect(r).toMatchObject({ ok: true, script });
    expect(contexts(template)).toEqual(expected);
  });

  it("names each slot WF_VALUE_<k> in template order, with its expression and position", () => {
    expect(rewrite("a {{ x }} {{x}} {{ y.z }}")).toEqual({
      ok: true,
      script: 'a "${WF_VALUE_0}" "${WF_VALUE_1}" "${WF_VALUE_2}"',
      slots: [
        { expr: "x", at: 2, context: "word" },
        { expr: "x", at: 10, context: "word" },
        { expr: "y.z", at: 16, context: "word" },
      ],
    });
  });

  it("leaves a command without templates as it is", () => {
    expect(rewrite("echo '$x' \"$(date)\"")).toEqual({ ok: true, script: "echo '$x' \"$(date)\"", slots: [] });
  });
});

describe("rewriteShellCommand: contexts where a value cannot be data are refused, at the template", () => {
  it.each<[string, string, number, RegExp]>([
    ["a quoted heredoc", "cat <<'EOF'\nhi {{ x }}\nEOF", 15, /quoted delimiter/],
    ["a heredoc quoted with \\", "cat <<\\EOF\n{{ x }}\nEOF", 11, /quoted delimiter/],
    ["a heredoc quoted in part", 'cat <<E"O"F\n{{ x }}\nEOF', 12, /quoted delimiter/],
    ["$(( ))", "echo $(( {{ x }} + 1 ))", 9, /\$\(\( \)\)/],
    ["(( )) at a command's start", "(( {{ x }} > 1 )) && echo big", 3, /arithmetic/],
    ["right after a backslash", "echo \\{{ x }}", 6, /backslash/],
    ["right after a backslash in double quotes", 'echo "\\{{ x }}"', 7, /backslash/],
    ["right after a backslash in a heredoc", "cat <<EOF\n\\{{ x }}\nEOF", 11, /backslash/],
    ["right after $", "echo ${{ x }}", 6, /follow '\$'/],
    ["right after $ in double quotes", 'echo "${{ x }}"', 7, /follow '\$'/],
    ["right after $NAME", "echo $HOME{{ x }}", 10, /extend the variable's name/],
    ["right after $NAME in double quotes", 'echo "$HOME{{ x }}"', 11, /extend the variable's name/],
    ["inside ${…}", "echo ${v:-{{ x }}}", 10, /\$\{…\}/],
    ["inside ${…} in double quotes", 'echo "${v#{{ x }}}"', 10, /\$\{…\}/],
    ["inside $'…'", "echo $'a{{ x }}'", 8, /\$'…'/],
    ["a variable's name", "FOO_{{ x }}=1 make", 4, /variable name/],
    ["a variable's whole name", "{{ x }}=1", 0, /variable name/],
    ["a function's name", "f{{ x }}() { :; }", 1, /function name/],
    ["a function's name before a blank", "{{ x }} () { :; }", 0, /function name/],
    ["a heredoc delimiter", "cat <<{{ x }}\nEOF", 6, /delimiter/],
    ["eval's arguments", "eval echo {{ x }}", 10, /eval/],
    ["eval's arguments in $(…)", "echo $(eval \"echo {{ x }}\")", 18, /eval/],
  ])("%s", (_name, template, at, message) => {
    const r = refusal(template);
    expect(r.at).toBe(at);
    expect(r.message).toMatch(message);
  });

  it.each<[string, number]>([
    ["echo '{{ x }}", 5],
    ['echo "{{ x }}', 5],
    ["echo $(echo {{ x }}", 5],
    ["echo `{{ x }}", 5],
    ["echo ) {{ x }}", 5],
  ])("an unclosed or unmatched quote in %j makes the quoting unknowable: refused where it opens", (template, at) => {
    expect(refusal(template).at).toBe(at);
  });

  it("a NUL character in the command itself is refused", () => {
    expect(refusal("echo a\u0000{{ x }}")).toMatchObject({ at: 6, message: expect.stringContaining("NUL") });
  });

  it("eval stops at the end of its command", () => {
    expect(contexts("eval true; echo {{ x }}")).toEqual(["word"]);
  });
});

describe("a workflow's shell command: refused at load time with line:col", () => {
  it("points at the template inside a block scalar, a flow scalar and a foreach step", () => {
    const yaml = [
      "name: t",
      "inputs: { x: { type: string } }",
      "steps:",
      "  - id: a",
      "    type: shell",
      "    params:",
      "      command: |",
      "        echo ok",
      "        cat <<'EOF'",
      "        hi {{ inputs.x }}",
      "        EOF",
      "  - id: b",
      "    type: shell",
      '    params: { command: "echo $(( {{ inputs.x }} + 1 ))" }',
      "  - id: c",
      "    type: foreach",
      '    items: "[1]"',
      '    step: { type: shell, params: { command: "echo ${v:-{{ item }}}" } }',
      "  - id: d",
      "    type: http",
      '    params: { url: "https://x.example/${v:-{{ inputs.x }}}" }',
      "",
    ].join("\n");
    const result = loadWorkflow(yaml, { file: "t.yaml" });
    expect(result.errors.map((e) => [e.line, e.col, e.path, e.code])).toEqual([
      [10, 12, "steps[0].params.command", "shell_template"],
      [14, 34, "steps[1].params.command", "shell_template"],
      [18, 56, "steps[2].step.params.command", "shell_template"],
    ]);
    expect(result.errors[0]?.message).toMatch(/quoted delimiter.*unquote the delimiter/);
  });
});
