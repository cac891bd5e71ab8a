import { z } from "zod";

/**
 * The keys an object schema accepts at `path`, found by walking the zod schema alongside the data
 * (discriminated unions are resolved with the data's discriminator). Used for did-you-mean.
 */
export function knownKeysAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  let value: unknown = data;
  for (let i = 0; i <= path.length && current; i++) {
    current = unwrap(current, value);
    if (!current) return [];
    if (i === path.length) break;
    const key = path[i];
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
    value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  }
  current = current ? unwrap(current, value) : undefined;
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  let s: z.ZodType = schema;
  for (let guard = 0; guard < 20; guard++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodLazy) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDiscriminatedUnion) {
      const key = s.def.discriminator;
      const tag = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      const options = s.options as z.ZodType[];
      const match = options.find((o) => o instanceof z.ZodObject && (o.shape as Record<string, z.ZodType>)[key] instanceof z.ZodLiteral && ((o.shape as Record<string, z.ZodLiteral>)[key]?.value === tag));
      if (!match) return undefined;
      s = match;
    } else return s;
  }
  return s;
}
