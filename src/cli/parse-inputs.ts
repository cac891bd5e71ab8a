/**
 * Run inputs from `--inputs-file F.json` and repeated `--input k=v`: a value is JSON when it parses
 * as JSON (`n=3`, `dry=true`, `tags=["a"]`, `cfg={"x":1}`), otherwise the string itself (`branch=main`).
 * `--input` wins over the file, key by key. Throws Error with a message for the user.
 */
export function parseInputs(pairs: readonly string[], fileJson?: string, fileName = "inputs file"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fileJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fileJson);
    } catch (err) {
      throw new Error(`${fileName}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${fileName}: expected a JSON object of inputs`);
    Object.assign(out, parsed);
  }
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? "" : pair.slice(0, eq).trim();
    if (!key) throw new Error(`--input ${JSON.stringify(pair)}: expected key=value`);
    out[key] = parseInputValue(pair.slice(eq + 1));
  }
  return out;
}

/** JSON when the text parses as JSON, else the text (so `v=1.0` is 1, and `v="1.0"` is the string). */
export function parseInputValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
