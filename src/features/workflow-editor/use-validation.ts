"use client";
import { useCallback, useEffect, useState } from "react";
import type { AlertMessage } from "~/components/ui/card";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { withSyntaxIssue, type Parsed } from "./parse-text";

/** Validation runs this long after the last edit (the canvas itself updates at once). */
const VALIDATE_DEBOUNCE_MS = 150;

/** "1 problem", "3 problems". */
export const problemCount = (n: number) => `${n} problem${n === 1 ? "" : "s"}`;

/**
 * The engine's validator run in the browser on the text: debounced while typing (the first paint of
 * a big workflow does not wait for it), at once on Validate and Save. `allIssues` adds the parser's
 * syntax error while the text does not parse; the server's verdict on a refused save replaces them.
 */
export function useValidation(text: string, parsed: Parsed, setStatus: (s: AlertMessage | null) => void) {
  const [issues, setIssues] = useState<WorkflowIssue[]>([]);

  useEffect(() => {
    const t = window.setTimeout(() => {
      const errors = loadWorkflow(text).errors;
      // No problems before and after: keep the same array so the canvas is not rebuilt.
      setIssues((prev) => (prev.length === 0 && errors.length === 0 ? prev : errors));
    }, VALIDATE_DEBOUNCE_MS);
    return () => window.clearTimeout(t);
  }, [text]);

  const validateNow = useCallback(() => {
    const errors = loadWorkflow(text).errors;
    setIssues(errors);
    setStatus(errors.length === 0 ? { kind: "success", text: "Valid: no problems." } : { kind: "error", text: `${problemCount(errors.length)}: see the Problems list.` });
    return errors;
  }, [setStatus, text]);

  return { issues, setIssues, validateNow, allIssues: withSyntaxIssue(parsed, issues) };
}
