import type { Readable } from "node:stream";

export interface BackPressure {
  /** Takes what the log sink returned for one line: a promise pauses every stream until it settles. */
  note(result: unknown): void;
  /** Reads each stream into its feed, pausing all of them while a noted promise is pending. */
  read(pairs: ReadonlyArray<readonly [Readable | null | undefined, (chunk: Buffer | string) => void]>): void;
  /** Stops pausing for good (the process is being stopped: whatever it left must drain so it can end). */
  release(): void;
}

/**
 * Back-pressure from a log sink to a child's pipes. While the sink has not caught up, the streams
 * are paused: the pipe buffers fill and the child blocks in write(2), so a process printing faster
 * than lines can be stored waits for the database instead of growing the worker's memory.
 */
export function createBackPressure(): BackPressure {
  const streams: Readable[] = [];
  let held = 0;
  let released = false;
  const resume = () => {
    for (const s of streams) s.resume();
  };
  return {
    note(result) {
      if (released || !(result instanceof Promise)) return;
      if (held++ === 0) for (const s of streams) s.pause();
      const done = () => {
        if (--held === 0 && !released) resume();
      };
      result.then(done, done);
    },
    read(pairs) {
      for (const [stream, feed] of pairs) {
        if (!stream) continue;
        streams.push(stream);
        stream.on("data", feed);
        if (held > 0 && !released) stream.pause();
      }
    },
    release() {
      released = true;
      resume();
    },
  };
}
