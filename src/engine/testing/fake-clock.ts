import type { Clock, TimerHandle } from "../ports";

/** A clock that only moves when told to. Timers fire in time order, ties in creation order. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fire: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at, fire });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Time of the next timer, if any. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.timers.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Fires the earliest due timers (all with the same time), moving the clock to them. */
  fireNext(): boolean {
    const at = this.nextAt();
    if (at === undefined) return false;
    this.current = Math.max(this.current, at);
    for (const [id, t] of [...this.timers].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])) {
      if (t.at > at) break;
      this.timers.delete(id);
      t.fire();
    }
    return true;
  }

  /** Moves the clock forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (let next = this.nextAt(); next !== undefined && next <= end; next = this.nextAt()) this.fireNext();
    this.current = end;
  }
}
