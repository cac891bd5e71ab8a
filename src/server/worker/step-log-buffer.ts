import type { LogLine } from "~/server/store/engine-store";

export interface StepLogBufferOptions {
  /** The attempt whose lines this buffer holds (the marker line is written under it). */
  step: { runId: string; stepId: string; attempt: number };
  /**
   * Bytes of log one attempt may store (UTF-8 text plus one newline per line). Lines beyond are
   * counted, not kept, and one `system` line at the end says how many. @default 10485760
   */
  maxBytes?: number;
  /** Lines waiting to be written at which the producer is asked to wait. @default 10000 */
  highWater?: number;
  /** Called when `highWater` is reached: write now rather than at the next periodic flush. */
  onHighWater?: () => void;
  /** Clock for the marker line. @default Date.now */
  now?: () => number;
}

/**
 * The lines of one running attempt between the executor and the database: a bounded queue with
 * back-pressure and a storage cap, so a step printing a million lines neither loses any silently
 * nor grows the worker's memory without bound.
 *
 * - `push` queues a line. Past `highWater` queued lines it returns a promise that settles when the
 *   writer has taken the queue below half of it: the executor pauses the child's output until then
 *   (the pipe fills and the child blocks on write, so it cannot outrun the database).
 * - Past `maxBytes` stored, lines are only counted and `push` never asks to wait: the child's output
 *   is still drained, so a chatty step runs at full speed and is not killed by its own log.
 * - `finish` appends ONE marker line (stream `system`) saying how many lines and bytes were not
 *   stored; stored lines plus the marker's count are exactly what the executor handed over.
 */
export class StepLogBuffer {
  private queue: LogLine[] = [];
  private storedBytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;
  private finished = false;
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly maxBytes: number;
  private readonly highWater: number;

  constructor(private readonly options: StepLogBufferOptions) {
    this.maxBytes = options.maxBytes ?? 10_485_760;
    this.highWater = Math.max(1, options.highWater ?? 10_000);
  }

  /** Lines waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues one line; a returned promise asks the producer to wait until it settles. */
  push(line: LogLine): Promise<void> | undefined {
    if (this.finished) return undefined;
    // PostgreSQL text cannot hold NUL: one such byte would fail the whole batch for ever.
    const text = line.text.includes("\u0000") ? line.text.replaceAll("\u0000", "\uFFFD") : line.text;
    const bytes = Buffer.byteLength(text, "utf8") + 1;
    if (this.droppedLines > 0 || this.storedBytes + bytes > this.maxBytes) {
      this.droppedLines++;
      this.droppedBytes += bytes;
      return undefined;
    }
    this.storedBytes += bytes;
    this.queue.push(text === line.text ? line : { ...line, text });
    if (this.queue.length < this.highWater) return undefined;
    if (!this.waiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiter = { promise, resolve };
      this.options.onHighWater?.();
    }
    return this.waiter.promise;
  }

  /** Takes up to `max` queued lines for writing (oldest first). */
  take(max: number): LogLine[] {
    const lines = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = lines === this.queue ? [] : this.queue.slice(max);
    this.release();
    return lines;
  }

  /** Puts lines whose write failed back in front, to be written again. */
  giveBack(lines: LogLine[]): void {
    if (lines.length) this.queue = lines.concat(this.queue);
  }

  /**
   * The attempt ended: nothing more is accepted, the producer is released, and what is left (with
   * the marker line when lines were dropped) is returned, to be written with the step's result.
   */
  finish(): LogLine[] {
    if (this.finished) return this.take(Number.MAX_SAFE_INTEGER);
    this.finished = true;
    if (this.droppedLines > 0) {
      this.queue.push({
        ...this.options.step,
        stream: "system",
        text: `[log truncated: ${this.droppedLines} lines (${this.droppedBytes} bytes) not stored; this attempt's log reached STEP_LOG_MAX_BYTES (${this.maxBytes} bytes)]`,
        at: (this.options.now ?? Date.now)(),
      });
    }
    const rest = this.take(Number.MAX_SAFE_INTEGER);
    this.waiter?.resolve();
    this.waiter = undefined;
    return rest;
  }

  private release(): void {
    if (this.waiter && this.queue.length <= this.highWater / 2) {
      this.waiter.resolve();
      this.waiter = undefined;
    }
  }
}
