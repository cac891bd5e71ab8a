/**
 * Bounded input everywhere (issue 13 #7): every procedure's input (tRPC and REST alike) gives each
 * string a maximum length, each list a maximum number of items and each number a range, so no
 * field can carry more than it needs. Fails when a procedure gains an unbounded field.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { appRouter } from "./root";

type Schema = {
  type?: string | string[];
  maxLength?: number;
  maxItems?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  prefixItems?: Schema[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Paths of fields without a bound: strings without maxLength, arrays without maxItems, numbers without maximum. */
function unbounded(schema: Schema, path: string, out: string[]): void {
  if (schema.enum !== undefined || schema.const !== undefined) return;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes("string") && schema.maxLength === undefined) out.push(`${path}: string without max length`);
  if (types.includes("array") && schema.maxItems === undefined && !schema.prefixItems) out.push(`${path}: list without max items`);
  if ((types.includes("number") || types.includes("integer")) && schema.maximum === undefined && schema.exclusiveMaximum === undefined) out.push(`${path}: number without maximum`);
  for (const [k, v] of Object.entries(schema.properties ?? {})) unbounded(v, `${path}.${k}`, out);
  if (schema.items && !Array.isArray(schema.items)) unbounded(schema.items, `${path}[]`, out);
  for (const [i, v] of (schema.prefixItems ?? []).entries()) unbounded(v, `${path}[${i}]`, out);
  if (typeof schema.additionalProperties === "object") unbounded(schema.additionalProperties, `${path}{}`, out);
  for (const v of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) unbounded(v, path, out);
}

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: z.ZodType[] } }>;

describe("every procedure input is bounded", () => {
  it("gives every string, list and number of every input a limit", () => {
    const problems: string[] = [];
    for (const [name, proc] of Object.entries(procedures)) {
      for (const input of proc._def.inputs) {
        const schema = z.toJSONSchema(input, { io: "input", unrepresentable: "any" }) as Schema;
        unbounded(schema, name, problems);
      }
    }
    expect(problems).toEqual([]);
  });
});
