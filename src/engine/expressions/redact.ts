/** Replaces every occurrence of every secret value by `***` (longest first, so overlaps stay hidden). */
export function redact(text: string, secrets: readonly string[]): string {
  const values = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join("***");
  return out;
}
