import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openUnder, readOpenedDir } from "./open-under";

//  base/
//    root/                 the trusted root (configured)
//      a/b/file.txt        "inside"
//    outside/secret.txt    "secret"
const base = realpathSync(mkdtempSync(join(tmpdir(), "wf-open-under-")));
const root = join(base, "root");
const outside = join(base, "outside");
mkdirSync(join(root, "a", "b"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, "a", "b", "file.txt"), "inside");
writeFileSync(join(outside, "secret.txt"), "secret");
mkdirSync(join(outside, "b"));
writeFileSync(join(outside, "b", "file.txt"), "secret");
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function read(segments: string[]): Promise<string | undefined> {
  const f = await openUnder(root, segments, "file");
  if (!f) return undefined;
  try {
    return (await f.handle.readFile()).toString();
  } finally {
    await f.handle.close();
  }
}

describe("openUnder", () => {
  it("opens a regular file below the root, and says where it is", async () => {
    const f = await openUnder(root, ["a", "b", "file.txt"], "file");
    expect(f?.path).toBe(join(root, "a", "b", "file.txt"));
    expect(f?.size).toBe(6);
    await f?.handle.close();
    expect(await read(["a", "b", "file.txt"])).toBe("inside");
  });

  it("finds nothing (no error) under a root that does not exist yet, as on a fresh data directory", async () => {
    expect(await openUnder(join(base, "no-root-yet"), ["a"], "directory")).toBeUndefined();
    expect(await openUnder(join(base, "no-root-yet"), ["a", "b", "file.txt"], "file")).toBeUndefined();
  });

  it("refuses a symbolic link as the last component, as a middle one, and as the first one", async () => {
    symlinkSync(join(outside, "secret.txt"), join(root, "a", "b", "leak.txt"));
    symlinkSync(outside, join(root, "a", "out"));
    symlinkSync(outside, join(root, "top"));
    expect(await read(["a", "b", "leak.txt"])).toBeUndefined();
    expect(await read(["a", "out", "secret.txt"])).toBeUndefined();
    expect(await read(["top", "secret.txt"])).toBeUndefined();
    expect(await openUnder(root, ["top"], "directory")).toBeUndefined();
    // Also a link that stays inside the root: links are not followed at all.
    symlinkSync(join(root, "a"), join(root, "alias"));
    expect(await read(["alias", "b", "file.txt"])).toBeUndefined();
  });

  it("refuses names that are not one plain segment, directories as files, files as directories, and FIFOs (without hanging)", async () => {
    for (const bad of [[".."], ["a", "..", "a"], ["a/b", "file.txt"], [""], ["."], ["a\\b"], ["a\u0000"]]) {
      expect(await openUnder(root, bad, "file"), JSON.stringify(bad)).toBeUndefined();
    }
    expect(await openUnder(root, ["a"], "file")).toBeUndefined();
    expect(await openUnder(root, ["a", "b", "file.txt"], "directory")).toBeUndefined();
    execFileSync("mkfifo", [join(root, "fifo")]);
    expect(await openUnder(root, ["fifo"], "file")).toBeUndefined();
  });

  it("lists an opened directory through its handle: swapping its path for a link afterwards changes nothing", async () => {
    mkdirSync(join(root, "list"));
    writeFileSync(join(root, "list", "mine.txt"), "x");
    const dir = await openUnder(root, ["list"], "directory");
    expect(dir).toBeDefined();
    renameSync(join(root, "list"), join(root, "list.moved"));
    symlinkSync(outside, join(root, "list"));
    expect((await readOpenedDir(dir!)).map((e) => e.name)).toEqual(["mine.txt"]);
    await dir!.handle.close();
  });

  it("never yields a file outside while a real process keeps swapping a directory for a link (race)", async () => {
    // root/race/b/file.txt says "inside"; outside/b/file.txt says "secret". A child process swaps
    // root/race between the real directory and a link to outside as fast as it can.
    mkdirSync(join(root, "race", "b"), { recursive: true });
    writeFileSync(join(root, "race", "b", "file.txt"), "inside");
    const swapper = spawn("/bin/sh", ["-c", `cd "${root}" && while :; do mv race race.real && ln -s "${outside}" race && rm race && mv race.real race; done`], { stdio: "ignore" });
    try {
      const seen = new Map<string | undefined, number>();
      for (let i = 0; i < 5000; i++) {
        const text = await read(["race", "b", "file.txt"]);
        seen.set(text, (seen.get(text) ?? 0) + 1);
      }
      expect(seen.has("secret")).toBe(false);
      // The race really ran: some reads found the file, some found the link (or no directory).
      expect(seen.get("inside") ?? 0).toBeGreaterThan(0);
      expect(seen.get(undefined) ?? 0).toBeGreaterThan(0);
    } finally {
      swapper.kill("SIGKILL");
    }
  });
});
