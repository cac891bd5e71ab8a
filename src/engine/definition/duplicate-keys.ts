import { isMap, isScalar, parseDocument, visit, type LineCounter } from "yaml";

export interface DuplicateKey {
  key: string;
  /** 1-based position of the repeated key */
  line: number;
  col: number;
  /** 1-based position of the key's first occurrence in the same mapping */
  first: { line: number; col: number };
}

/**
 * Every repeated key of every mapping, with where it first appeared. The yaml library's own error
 * ("Map keys must be unique") names neither the key nor the first place, so the loader asks here.
 */
export function duplicateKeys(source: string, lines: LineCounter): DuplicateKey[] {
  const doc = parseDocument(source, { uniqueKeys: false, logLevel: "silent" });
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        const offset = pair.key.range[0];
        const firstOffset = seen.get(key);
        if (firstOffset === undefined) {
          seen.set(key, offset);
          continue;
        }
        const at = lines.linePos(offset);
        found.push({ key, line: at.line, col: at.col, first: lines.linePos(firstOffset) });
      }
    },
  });
  return found;
}
