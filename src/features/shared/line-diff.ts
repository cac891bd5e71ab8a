/** One line of a diff: kept, removed from the old text (`del`), or added in the new one (`add`). */
export type DiffLine = { kind: "same" | "del" | "add"; text: string };

/**
 * Line diff of two texts by longest common subsequence, over the lines that differ: the common head
 * and tail are trimmed first, so a small edit of a large file costs little (the LCS table is O(n·m) in
 * the changed middle only). Removed lines come before the added lines that replace them. Pure; shown
 * for a gate's modified output and params, and used by the editor's tests to pin minimal YAML edits.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const below = lcs[i + 1] as number[];
    for (let j = y.length - 1; j >= 0; j--) row[j] = x[i] === y[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
  }
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: "same" as const, text }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push({ kind: "same", text: x[i] as string });
      i++;
      j++;
    } else if (i < x.length && (j >= y.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      out.push({ kind: "del", text: x[i] as string });
      i++;
    } else {
      out.push({ kind: "add", text: y[j] as string });
      j++;
    }
  }
  for (const text of a.slice(a.length - tail)) out.push({ kind: "same", text });
  return out;
}

/** Only the changed lines, each prefixed `-` or `+`: what a reviewer reads. */
export function changedLines(before: string, after: string): string[] {
  return lineDiff(before, after)
    .filter((l) => l.kind !== "same")
    .map((l) => `${l.kind === "del" ? "-" : "+"}${l.text}`);
}
