// Flat config. The engine-purity rule is the point of this file: src/engine must stay a pure library
// (CONVENTIONS.md #1), so it may not import frameworks, Prisma, Node built-ins, server code or env.
// The feature boundaries below keep the UI in rooms of one concern the same way.
import js from "@eslint/js";
import { readdirSync } from "node:fs";
import tseslint from "typescript-eslint";

// Features are rooms of their own (CONVENTIONS.md #13): a file in src/features/<x> imports its own
// feature, ~/features/shared (client code two features use: formatting, hooks, status badges) and the
// UI primitives in ~/components, never another feature, except where one feature's view embeds
// another's component. Those compositions are listed here, one edge each, and keep the graph acyclic
// (approvals imports no feature, so the run page may embed its gate panel). Pages in src/app compose
// features freely. A new folder under src/features gets the rule by being there.
export const FEATURE_COMPOSITION = {
  runs: ["approvals"], // the run page shows its pending gate's panel and its decided gates
  workflows: ["runs"], // a workflow's page lists its runs
  "workflow-editor": ["workflows"], // the editor's Run button opens the start-run dialog
  shell: ["approvals"], // the navigation shows the pending-approvals badge
};
const FEATURES = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const NO_EVAL = [
  { selector: "CallExpression[callee.name='eval']", message: "Never eval: use the engine's CEL evaluate()." },
  { selector: "NewExpression[callee.name='Function']", message: "Never new Function: use the engine's CEL evaluate()." },
];
const featureBoundaries = FEATURES.map((feature) => {
  const allowed = [feature, "shared", ...(FEATURE_COMPOSITION[feature] ?? [])].join("|");
  const message = `src/features/${feature} may not import another feature: move what both use to ~/features/shared or ~/components/ui, or compose them in a page under src/app (eslint.config.mjs lists the allowed compositions).`;
  return {
    files: [`src/features/${feature}/**/*.ts`, `src/features/${feature}/**/*.tsx`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: `^~/features/(?!(${allowed})(/|$))`, message },
            { group: ["../*", "**/../*"], message: "Reach outside this folder through the ~/ alias, so the feature boundaries above can check it." },
          ],
        },
      ],
      // import("~/features/x") (next/dynamic) is an import too. (esquery regexes cannot hold "/": \u002F.)
      "no-restricted-syntax": ["error", ...NO_EVAL, { selector: `ImportExpression[source.value=/^~\\u002Ffeatures\\u002F(?!(${allowed})(\\u002F|$))/]`, message }],
    },
  };
});

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      "data/**",
      "src/generated/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-restricted-syntax": ["error", ...NO_EVAL],
    },
  },
  {
    // Only src/env.ts reads the environment (CONVENTIONS.md #8).
    files: ["src/**/*.ts", "src/**/*.tsx"],
    // instrumentation.ts reads NEXT_RUNTIME, which Next.js sets (not user configuration).
    ignores: ["src/env.ts", "src/cli/**", "src/**/*.test.ts", "src/instrumentation.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through ~/env (src/env.ts)." },
      ],
    },
  },
  {
    // The CLI prints server text (step output, names, errors): only through its terminal-safe output.
    files: ["src/cli/**/*.ts"],
    ignores: ["src/cli/terminal-output.ts", "src/cli/main.ts", "src/cli/**/*.test.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "stdout", message: "Print through src/cli/terminal-output.ts (printLine, printJson, screen)." },
        { object: "process", property: "stderr", message: "Print through src/cli/terminal-output.ts (printLine, printJson, screen)." },
        { object: "console", property: "log", message: "Print through src/cli/terminal-output.ts (printLine, printJson, screen)." },
        { object: "console", property: "error", message: "Print through src/cli/terminal-output.ts (printLine, printJson, screen)." },
      ],
    },
  },
  ...featureBoundaries,
  {
    // Processes of steps start in ONE place, so every executor that spawns (shell today; git, agent
    // workers later) inherits the sandbox and the limits: src/server/executors/sandbox/.
    files: ["src/server/**/*.ts"],
    ignores: ["src/server/executors/sandbox/**", "src/server/worker/main.ts", "src/server/testing/**", "src/server/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["execa", "node:child_process", "child_process"].map((name) => ({
            name,
            message: "Start step processes through spawnSandboxed (src/server/executors/sandbox/spawn-sandboxed.ts): it applies SHELL_SANDBOX and the resource limits.",
          })),
        },
      ],
    },
  },
  {
    // UI primitives know no feature: a feature builds on them, never the other way.
    files: ["src/components/**/*.ts", "src/components/**/*.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["~/features/*", "~/features", "**/features/**"], message: "src/components/ui holds primitives: it imports no feature." }] }],
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["next", "next/*", "next-*"], message: "src/engine is pure: no Next.js." },
            { group: ["react", "react/*", "react-*"], message: "src/engine is pure: no React." },
            { group: ["@prisma/*", "prisma"], message: "src/engine is pure: persistence goes through ports." },
            { group: ["node:*", "fs", "path", "child_process", "os", "crypto", "http", "https", "net"], message: "src/engine is pure: side effects go through ports." },
            { group: ["~/server/*", "~/server", "**/server/**", "~/env", "**/env"], message: "src/engine never reaches up into the server or env." },
            { group: ["~/app/*", "~/features/*", "~/trpc/*", "~/components/*", "**/app/**", "**/features/**", "**/trpc/**", "**/components/**"], message: "src/engine never reaches up into the UI." },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        ...["setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate", "queueMicrotask", "performance"].map(
          (name) => ({ name, message: "src/engine has no timers or clocks: use the Clock port." }),
        ),
        ...["fetch", "crypto", "XMLHttpRequest", "WebSocket"].map((name) => ({ name, message: "src/engine is pure: side effects go through ports." })),
        { name: "process", message: "src/engine is pure." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Use the Clock port." },
        { object: "Math", property: "random", message: "Use a seeded random from the ports." },
        // globalThis.setTimeout, globalThis.fetch, ... reach the same side effects by another name.
        ...["setTimeout", "setInterval", "setImmediate", "queueMicrotask", "performance", "fetch", "crypto", "process", "Date"].map((property) => ({
          object: "globalThis",
          property,
          message: "src/engine is pure: side effects go through ports.",
        })),
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.name='eval']", message: "Never eval: use the engine's CEL evaluate()." },
        { selector: "NewExpression[callee.name='Function']", message: "Never new Function: use the engine's CEL evaluate()." },
        // new Date(ms) of a given instant is pure; new Date() and Date() read the wall clock.
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "new Date() reads the wall clock: use the Clock port (clock.now())." },
        { selector: "CallExpression[callee.name='Date']", message: "Date() reads the wall clock: use the Clock port (clock.now())." },
      ],
    },
  },
);
