// The Prisma clients are generated only when their inputs change: a rewrite of src/generated makes
// `npm start` rebuild the app for a minute although no source changed (issue 14.8).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..");
let root: string;

function generate(...args: string[]): void {
  execFileSync(process.execPath, [join(root, "scripts/prisma-generate.mjs"), ...args], { cwd: root, stdio: "pipe" });
}
const clientFile = () => join(root, "src/generated/sqlite/client.ts");
const mtime = (file: string) => statSync(file).mtimeMs;

describe("prisma-generate", () => {
  beforeAll(() => {
    // A copy of what generation reads, so the test never rewrites the checkout's own clients.
    root = mkdtempSync(join(tmpdir(), "wf-generate-"));
    mkdirSync(join(root, "scripts"));
    for (const f of ["prisma-generate.mjs", "derive-postgres-schema.mjs"]) cpSync(join(repo, "scripts", f), join(root, "scripts", f));
    mkdirSync(join(root, "prisma"));
    cpSync(join(repo, "prisma/schema.prisma"), join(root, "prisma/schema.prisma"));
    cpSync(join(repo, "prisma.config.ts"), join(root, "prisma.config.ts"));
    symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
    generate();
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("writes nothing when the schema and Prisma are unchanged", () => {
    const before = mtime(clientFile());
    const stampBefore = mtime(join(root, "src/generated/.inputs-sha256"));
    generate();
    expect(mtime(clientFile())).toBe(before);
    expect(mtime(join(root, "src/generated/.inputs-sha256"))).toBe(stampBefore);
  });

  it("regenerates when the schema changes, and when asked with --force", () => {
    const schema = join(root, "prisma/schema.prisma");
    writeFileSync(schema, `${readFileSync(schema, "utf8")}\n/// a comment that changes the input\n`);
    const before = mtime(clientFile());
    generate();
    const changed = mtime(clientFile());
    expect(changed).toBeGreaterThan(before);
    generate("--force");
    expect(mtime(clientFile())).toBeGreaterThan(changed);
  }, 120_000);
});
