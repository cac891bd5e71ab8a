"use client";
import type { inferRouterOutputs } from "@trpc/server";
import { useEffect, useState } from "react";
import type { AppRouter } from "~/server/api/root";
import { useTRPCClient } from "~/trpc/react";

/** One line of a step's log as the browser receives it. */
export type LogLine = inferRouterOutputs<AppRouter>["runs"]["logs"]["lines"][number];

const FOLLOW_MS = 1000;
const RETRY_MS = 3000;

/**
 * Follows a step's log: asks `runs.logs` for lines after the last one seen (`nextAfter`) every second
 * until the server says `done`. Restarts from the top when `active` flips (a retried step logs again).
 */
export function useStepLogs(runId: string, stepId: string, active: boolean) {
  const client = useTRPCClient();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let after = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLines([]);
    setDone(false);
    setError(null);
    const tick = async () => {
      try {
        const page = await client.runs.logs.query({ id: runId, stepId, after });
        if (stopped) return;
        setError(null);
        if (page.lines.length) setLines((prev) => [...prev, ...page.lines]);
        after = page.nextAfter;
        if (page.done) {
          setDone(true);
          return;
        }
        // A full page means more is waiting: fetch it at once instead of after the interval.
        timer = setTimeout(() => void tick(), page.lines.length >= 500 ? 0 : FOLLOW_MS);
      } catch (e) {
        if (stopped) return;
        setError(e instanceof Error ? e.message : String(e));
        timer = setTimeout(() => void tick(), RETRY_MS);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, runId, stepId, active]);
  return { lines, done, error };
}
