"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AlertMessage } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { GATE_ACTION_RULES, alertKindOf, type Approval, type GateAction } from "./approval-types";
import { formOf, formPayload, initialValues, type FormValues } from "./gate-form";
import { decisionRequest, outcomeText } from "./gate-outcome";

/**
 * A gate's decision in progress: its context (params of the gated and next steps for the retry and
 * modify dialogs, what is editable, the attempt's artifacts), the comment and form being filled in,
 * which confirmation is open, and `perform`, which sends the decision and reports its outcome.
 */
export function useGateActions(gate: Approval, runId: string, onResult: (r: AlertMessage) => void) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [comment, setComment] = useState("");
  const [confirm, setConfirm] = useState<GateAction | null>(null);
  const fields = formOf(gate.policy);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id: runId }) });
  };
  const decide = useMutation(trpc.approvals.decide.mutationOptions({ onSettled: refresh }));
  const context = useQuery(trpc.approvals.context.queryOptions({ id: gate.id }, { staleTime: 0 }));

  async function perform(action: GateAction, payload?: unknown, nextParams?: Record<string, unknown>) {
    setConfirm(null);
    const form = fields.length && (action === "approve" || action === "modify") ? formPayload(fields, values) : undefined;
    try {
      const after = await decide.mutateAsync(decisionRequest(gate.id, action, { comment, payload, form, nextParams }));
      setComment("");
      onResult({ kind: alertKindOf(action), text: outcomeText(action, gate, after) });
    } catch (e) {
      onResult({ kind: "error", text: `Could not ${action}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** A button's click: the actions the table marks `confirm` ask first (or open their dialog). */
  function click(action: GateAction) {
    if (GATE_ACTION_RULES[action].confirm) setConfirm(action);
    else void perform(action);
  }

  return {
    context,
    fields,
    values,
    setValues,
    comment,
    setComment,
    confirm,
    closeConfirm: () => setConfirm(null),
    busy: decide.isPending,
    perform: (action: GateAction, payload?: unknown, nextParams?: Record<string, unknown>) => void perform(action, payload, nextParams),
    click,
  };
}

export type GateActions = ReturnType<typeof useGateActions>;
