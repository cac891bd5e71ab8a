import type { WorkflowDefinition } from "./definition/schema";
import { EngineError, assertNever } from "./errors";
import { compilePlan, type Plan } from "./graph/compile-plan";
import { silentLogger, type EnginePorts, type TimerHandle } from "./ports";
import { createRun, touchedSteps, type CreateRunOptions } from "./scheduler/create-run";
import { decide } from "./scheduler/decide";
import type { Decision, EngineCommand, EngineEvent, RunHeader, StepState } from "./scheduler/types";

export interface StartRunOptions extends Omit<CreateRunOptions, "runId"> {
  runId?: string;
}

/** A gate decision: the `gate_decided` event without its type and time. */
export type GateDecisionInput = Omit<Extract<EngineEvent, { type: "gate_decided" }>, "type" | "at">;

export interface Engine {
  /** Creates a run and starts it. Returns the run id. */
  startRun(workflow: Plan | WorkflowDefinition, options?: StartRunOptions): Promise<string>;
  /** Feeds one event through decide, applies the patch and runs the commands. */
  handle(runId: string, event: EngineEvent): Promise<Decision>;
  decideGate(runId: string, decision: GateDecisionInput): Promise<Decision>;
  cancel(runId: string, by?: string): Promise<Decision>;
  /**
   * Retries a `failed` or `cancelled` run from where it stopped (`run_retry_requested`): failed,
   * cancelled and upstream-blocked steps run again, succeeded ones keep their outputs. An empty
   * decision on a run in any other status.
   */
  retry(runId: string, by?: string): Promise<Decision>;
  pause(runId: string): Promise<Decision>;
  resume(runId: string): Promise<Decision>;
  getRun(runId: string): Promise<RunHeader | undefined>;
  listSteps(runId: string): Promise<StepState[]>;
  /** Resolves when no event is being handled (tests: call after advancing a fake clock). */
  idle(): Promise<void>;
}

const planCache = new WeakMap<WorkflowDefinition, Plan>();

/** Compiles once per definition object: plans are immutable and shared by every run of a version. */
export function planFor(workflow: Plan | WorkflowDefinition): Plan {
  if ("nodes" in workflow) return workflow;
  let plan = planCache.get(workflow);
  if (!plan) {
    plan = compilePlan(workflow);
    planCache.set(workflow, plan);
  }
  return plan;
}

/**
 * An in-process engine: drives decide() through the ports. Events of one run are handled one at
 * a time (a per-run queue), the patch and its commands are stored together, then the commands run.
 * A database-backed worker can do the same with `decide` directly, in a transaction.
 */
export function createEngine(ports: EnginePorts): Engine {
  const { store, clock, executors, ids } = ports;
  const logger = ports.logger ?? silentLogger;
  const plans = new Map<string, Plan>();
  const queues = new Map<string, Promise<unknown>>();
  const inflight = new Set<Promise<unknown>>();
  const controllers = new Map<string, AbortController>();
  const timers = new Map<string, TimerHandle>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    const done = (): void => {
      inflight.delete(p);
    };
    p.then(done, done);
    return p;
  };

  const planOf = (runId: string): Plan => {
    const plan = plans.get(runId);
    if (!plan) throw new EngineError("unknown_run", `run "${runId}" is not known to this engine`);
    return plan;
  };

  const stepOfEvent = (event: EngineEvent): string | undefined => ("stepId" in event ? event.stepId : undefined);

  async function process(runId: string, event: EngineEvent): Promise<Decision> {
    const plan = planOf(runId);
    const touched = touchedSteps(plan, stepOfEvent(event));
    for (let tries = 0; ; tries++) {
      const state = await store.loadState(runId, touched);
      try {
        const decision = decide(plan, state, event, { expressions: ports.expressions });
        await store.apply(runId, decision.patch, decision.commands);
        for (const command of decision.commands) run(command);
        return decision;
      } catch (err) {
        // A lazily loading store missed a record: load it too and decide again (decide is pure).
        if (err instanceof EngineError && err.code === "state_incomplete" && tries < 100) {
          const missing = (err.details as { stepId?: string } | undefined)?.stepId;
          if (missing !== undefined && !touched.includes(missing)) {
            touched.push(missing);
            continue;
          }
        }
        throw err;
      }
    }
  }

  function handle(runId: string, event: EngineEvent): Promise<Decision> {
    const previous = queues.get(runId) ?? Promise.resolve();
    const next = previous.then(() => process(runId, event));
    const settled = next.catch((err: unknown) => {
      logger.error("event failed", { runId, event: event.type, error: err instanceof Error ? err.message : String(err) });
    });
    queues.set(runId, settled);
    void track(settled);
    return next;
  }

  const emit = (runId: string, event: EngineEvent): void => {
    handle(runId, event).catch(() => undefined);
  };

  const timerKey = (runId: string, stepId: string, kind: string): string => `${runId}\u0000${stepId}\u0000${kind}`;

  const schedule = (key: string, at: number, fire: () => void): void => {
    const old = timers.get(key);
    if (old) clock.clearTimer(old);
    timers.set(
      key,
      clock.setTimer(at, () => {
        timers.delete(key);
        fire();
      }),
    );
  };

  function run(command: EngineCommand): void {
    switch (command.kind) {
      case "start_step": {
        const executor = executors[command.stepType];
        const key = `${command.runId}:${command.stepId}`;
        const controller = new AbortController();
        controllers.get(key)?.abort();
        controllers.set(key, controller);
        if (command.timeoutMs !== undefined) {
          schedule(timerKey(command.runId, command.stepId, "timeout"), clock.now() + command.timeoutMs, () => {
            controller.abort();
            emit(command.runId, { type: "step_timed_out", stepId: command.stepId, attempt: command.attempt, at: clock.now() });
          });
        }
        const execution = executor
          ? executor.execute({
              runId: command.runId,
              stepId: command.stepId,
              attempt: command.attempt,
              stepType: command.stepType,
              params: command.params,
              idempotencyKey: command.idempotencyKey,
              redact: command.redact,
              ...(command.commandValues ? { commandValues: command.commandValues } : {}),
              ...(command.resources ? { resources: command.resources } : {}),
              signal: controller.signal,
            })
          : Promise.resolve({ ok: false as const, error: { code: "no_executor", message: `no executor for step type "${command.stepType}"` } });
        // Not tracked by idle(): an execution may wait on the (fake) clock. Its event is tracked.
        void (
          execution
            .catch((err: unknown) => ({ ok: false as const, error: { code: "executor_error", message: err instanceof Error ? err.message : String(err) } }))
            .then((result) => {
              if (controller.signal.aborted) return;
              const t = timers.get(timerKey(command.runId, command.stepId, "timeout"));
              if (t) {
                clock.clearTimer(t);
                timers.delete(timerKey(command.runId, command.stepId, "timeout"));
              }
              emit(
                command.runId,
                result.ok
                  ? { type: "step_succeeded", stepId: command.stepId, attempt: command.attempt, output: result.output, at: clock.now() }
                  : { type: "step_failed", stepId: command.stepId, attempt: command.attempt, error: result.error, at: clock.now() },
              );
            })
        );
        return;
      }
      case "cancel_step":
        controllers.get(`${command.runId}:${command.stepId}`)?.abort();
        return;
      case "schedule_retry":
        schedule(timerKey(command.runId, command.stepId, "retry"), command.at, () =>
          emit(command.runId, { type: "retry_timer_fired", stepId: command.stepId, attempt: command.attempt, at: clock.now() }),
        );
        return;
      case "schedule_timer":
        schedule(timerKey(command.runId, command.stepId, command.timer), command.at, () =>
          emit(
            command.runId,
            command.timer === "wait"
              ? { type: "wait_timer_fired", stepId: command.stepId, attempt: command.attempt, at: clock.now() }
              : { type: "run_timed_out", at: clock.now() },
          ),
        );
        return;
      case "open_gate": {
        void track(
          store.getRun(command.runId).then((header) => {
            if (header?.approvalMode === "auto") {
              emit(command.runId, { type: "gate_decided", stepId: command.stepId, gateId: command.gateId, action: "approve", by: "auto-approval", at: clock.now() });
            } else if (command.expiresAt !== undefined) {
              schedule(timerKey(command.runId, command.stepId, `gate:${command.gateId}`), command.expiresAt, () =>
                emit(command.runId, { type: "gate_decided", stepId: command.stepId, gateId: command.gateId, action: "expire", at: clock.now() }),
              );
            }
          }),
        );
        return;
      }
      case "start_child_run": {
        const resolve = ports.resolveWorkflow;
        const fail = (message: string): void =>
          emit(command.runId, { type: "subworkflow_finished", stepId: command.stepId, attempt: command.attempt, childRunId: "", status: "failed", error: { message }, at: clock.now() });
        if (!resolve) {
          fail("no workflow resolver configured for subworkflow steps");
          return;
        }
        void track(
          resolve(command.workflow, command.version)
            .then(async (plan) => {
              if (!plan) return fail(`unknown workflow "${command.workflow}"`);
              await startRun(plan, {
                inputs: (command.inputs ?? {}) as Record<string, unknown>,
                parent: { runId: command.runId, stepId: command.stepId, attempt: command.attempt },
              });
            })
            .catch((err: unknown) => fail(err instanceof Error ? err.message : String(err))),
        );
        return;
      }
      case "finish_run": {
        for (const [key, handle] of timers) {
          if (key.startsWith(`${command.runId}\u0000`)) {
            clock.clearTimer(handle);
            timers.delete(key);
          }
        }
        void track(
          store.getRun(command.runId).then((header) => {
            const parent = header?.parent;
            if (!parent) return;
            emit(parent.runId, {
              type: "subworkflow_finished",
              stepId: parent.stepId,
              attempt: parent.attempt,
              childRunId: command.runId,
              status: command.status,
              output: command.outputs,
              ...(command.status !== "succeeded" ? { error: { message: `child run ${command.runId} ${command.status}: ${command.reason}` } } : {}),
              at: clock.now(),
            });
          }),
        );
        logger.info("run finished", { runId: command.runId, status: command.status, reason: command.reason });
        return;
      }
      default:
        assertNever(command, "command");
    }
  }

  async function startRun(workflow: Plan | WorkflowDefinition, options: StartRunOptions = {}): Promise<string> {
    const plan = planFor(workflow);
    const runId = options.runId ?? ids.runId();
    const { run: header, steps } = createRun(plan, { ...options, runId });
    plans.set(runId, plan);
    await store.createRun(header, steps);
    await handle(runId, { type: "run_started", at: clock.now() });
    return runId;
  }

  return {
    startRun,
    handle,
    decideGate: (runId, d) =>
      handle(runId, {
        type: "gate_decided",
        stepId: d.stepId,
        gateId: d.gateId,
        action: d.action,
        ...(d.payload !== undefined ? { payload: d.payload } : {}),
        ...(d.params !== undefined ? { params: d.params } : {}),
        ...(d.nextParams !== undefined ? { nextParams: d.nextParams } : {}),
        ...(d.by !== undefined ? { by: d.by } : {}),
        ...(d.comment !== undefined ? { comment: d.comment } : {}),
        at: clock.now(),
      }),
    cancel: (runId, by) => handle(runId, { type: "run_cancel_requested", ...(by !== undefined ? { by } : {}), at: clock.now() }),
    retry: (runId, by) => handle(runId, { type: "run_retry_requested", ...(by !== undefined ? { by } : {}), at: clock.now() }),
    pause: (runId) => handle(runId, { type: "run_pause_requested", at: clock.now() }),
    resume: (runId) => handle(runId, { type: "run_resume_requested", at: clock.now() }),
    getRun: (runId) => store.getRun(runId),
    listSteps: (runId) => store.listSteps(runId),
    async idle() {
      // Executor promises resolve a few microtasks before their event is queued: drain those too.
      for (let quiet = 0; quiet < 20; ) {
        if (inflight.size > 0) {
          quiet = 0;
          await Promise.all([...inflight]);
        } else {
          quiet++;
          await Promise.resolve();
        }
      }
    },
  };
}

