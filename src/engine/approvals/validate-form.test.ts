import { describe, expect, it } from "vitest";
import { ZFormField } from "../definition/schema";
import { formDefaults, validateForm } from "./validate-form";

const form = [
  { name: "env", label: "Environment", type: "select", options: ["staging", "prod"], required: true },
  { name: "replicas", type: "number", default: 2 },
  { name: "notes", type: "text" },
  { name: "ticket", type: "string", required: true },
  { name: "smoke", type: "boolean", default: true },
].map((f) => ZFormField.parse(f));

describe("validateForm", () => {
  it("accepts good values, coerces numbers typed as text, and applies defaults", () => {
    expect(validateForm(form, { env: "prod", replicas: "3", ticket: "OPS-1", notes: "line 1\nline 2" })).toEqual({
      ok: true,
      values: { env: "prod", replicas: 3, notes: "line 1\nline 2", ticket: "OPS-1", smoke: true },
    });
    expect(validateForm(form, { env: "staging", ticket: "OPS-2", smoke: false, notes: "" })).toEqual({
      ok: true,
      values: { env: "staging", replicas: 2, ticket: "OPS-2", smoke: false },
    });
  });

  it("refuses a missing required field, naming it (label and name)", () => {
    expect(validateForm(form, { ticket: "OPS-1" })).toEqual({ ok: false, field: "env", message: '"Environment" (env) is required' });
    expect(validateForm(form, { env: "prod", ticket: "  " })).toEqual({ ok: false, field: "ticket", message: '"ticket" is required' });
    expect(validateForm(form, undefined)).toMatchObject({ ok: false, field: "env" });
  });

  it("refuses wrong types, options outside the select, unknown fields and non-objects", () => {
    expect(validateForm(form, { env: "dev", ticket: "x" })).toEqual({ ok: false, field: "env", message: '"Environment" (env) must be one of "staging", "prod", got "dev"' });
    expect(validateForm(form, { env: "prod", ticket: "x", replicas: "3abc" })).toMatchObject({ ok: false, field: "replicas", message: expect.stringContaining("must be a number") });
    expect(validateForm(form, { env: "prod", ticket: "x", smoke: "yes" })).toMatchObject({ ok: false, field: "smoke", message: expect.stringContaining("true or false") });
    expect(validateForm(form, { env: "prod", ticket: 12 })).toMatchObject({ ok: false, field: "ticket", message: expect.stringContaining("must be text") });
    expect(validateForm(form, { env: "prod", ticket: "a\nb" })).toMatchObject({ ok: false, field: "ticket", message: expect.stringContaining("single line") });
    expect(validateForm(form, { env: "prod", ticket: "x", rogue: 1 })).toMatchObject({ ok: false, field: "rogue", message: expect.stringContaining('no field "rogue"') });
    expect(validateForm(form, [1, 2])).toMatchObject({ ok: false, message: expect.stringContaining("must be an object") });
  });

  it("formDefaults keeps only defaults that fit their field", () => {
    const odd = [ZFormField.parse({ name: "n", type: "number", default: "many" }), ZFormField.parse({ name: "s", type: "select", options: ["a"], default: "a" })];
    expect(formDefaults(odd)).toEqual({ s: "a" });
    expect(formDefaults(form)).toEqual({ replicas: 2, smoke: true });
    expect(formDefaults(undefined)).toEqual({});
  });
});
