"use client";
import { useEffect, useState } from "react";

/** The current time, ticking every `intervalMs` while `live` (durations of running things). */
export function useNow(live: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [live, intervalMs]);
  return now;
}
