/**
 * The evaluation budget of expressions (issue 13 #6): a hostile `if:` (nested `all()` over a big
 * list, a regex that backtracks) must not stall the process, because the engine decides inside the
 * web server's event loop. One meter is shared by every expression of one engine decision (one
 * event of a run), so a decision spends at most `budgetMs` evaluating, however many expressions it
 * evaluates; the expression that runs past it fails with an error naming it.
 *
 * The engine is pure: it never reads a clock itself. The server passes a monotonic clock
 * (`performance.now`); without one the meter counts virtual time from the work it has seen, so a
 * pure caller (tests, benchmarks) is bounded too, deterministically.
 */

/** Limits of expression evaluation, passed in by the caller of decide(). */
export interface ExpressionLimits {
  /** Milliseconds the expressions of one decision may run in total. @default 50 */
  budgetMs: number;
  /** Monotonic milliseconds (the server passes `performance.now`). @default virtual time from work counted */
  now?: () => number;
}

/** @default 50 ms: the budget of one decision's expressions (EXPRESSION_BUDGET_MS on the server). */
export const DEFAULT_EXPRESSION_BUDGET_MS = 50;

/** Node evaluations between two clock reads: cheap expressions never read the clock at all. */
const CHECK_EVERY = 64;
/** Virtual time of one node evaluation when no clock is given (about what cel-js takes here). */
const VIRTUAL_NS_PER_STEP = 25;

/** The error every node evaluation throws once the budget is spent (one instance: throwing is cheap). */
export class ExpressionBudgetError extends Error {
  override name = "ExpressionBudgetError";
}

export class ExpressionMeter {
  /** Node evaluations counted so far (all expressions of the decision). */
  steps = 0;
  /** Set once the budget is spent: every later node evaluation throws `error` at once. */
  exhausted = false;
  /** Made when the budget ends (an Error captures a stack: not on every decision). */
  private error: ExpressionBudgetError | undefined;
  /** Why the budget ended early (a refused regex), when it did not simply run out. */
  reason: string | undefined;
  readonly budgetMs: number;
  private readonly clock: () => number;
  /** Milliseconds spent by expressions that finished (only those that reached a check point). */
  private spentMs = 0;
  /** When the current expression's first check point was reached; undefined before that. */
  private windowStart: number | undefined;
  private untilCheck = CHECK_EVERY;
  /** Virtual clock: work counted in nanoseconds (no real clock given). */
  private virtualNs = 0;

  constructor(limits: ExpressionLimits = { budgetMs: DEFAULT_EXPRESSION_BUDGET_MS }) {
    this.budgetMs = limits.budgetMs;
    this.clock = limits.now ?? (() => this.virtualNs / 1e6);
  }

  /** One node evaluation. Hot path: a counter, and a clock read every CHECK_EVERY nodes. */
  tick(): void {
    if (this.exhausted) this.exhaust();
    this.steps++;
    this.virtualNs += VIRTUAL_NS_PER_STEP;
    if (--this.untilCheck <= 0) this.check();
  }

  /** Charges work the node count does not see (a large value made, a regex run): `ns` estimated. */
  charge(ns: number): void {
    this.virtualNs += ns;
    this.check();
  }

  /** Milliseconds left of the budget (reads the clock). */
  remainingMs(): number {
    return this.budgetMs - this.elapsedMs();
  }

  /** Throws once the decision's expressions have run past the budget. */
  check(): void {
    this.untilCheck = CHECK_EVERY;
    if (this.elapsedMs() > this.budgetMs) this.exhaust();
  }

  /** Ends the decision's budget now; `reason` says why when it is not plain elapsed time. */
  exhaust(reason?: string): never {
    this.exhausted = true;
    this.reason ??= reason;
    throw (this.error ??= new ExpressionBudgetError("evaluation budget exceeded"));
  }

  /** Starts an expression: its time counts from its first check point on. */
  begin(): void {
    this.windowStart = undefined;
    this.untilCheck = CHECK_EVERY;
  }

  /** Ends an expression: adds its time to the decision's total. */
  end(): void {
    if (this.windowStart !== undefined) this.spentMs += this.clock() - this.windowStart;
    this.windowStart = undefined;
  }

  private elapsedMs(): number {
    const now = this.clock();
    this.windowStart ??= now;
    return this.spentMs + (now - this.windowStart);
  }
}
