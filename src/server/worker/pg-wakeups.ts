/**
 * PostgreSQL wake-ups between processes: every process LISTENs on `wf_work`; whoever queues work
 * NOTIFYs, so a step that becomes ready starts on some worker within milliseconds. Polling stays as
 * the fallback (a lost notification costs at most WORKER_POLL_MS).
 */
import pg from "pg";
import { logger } from "~/server/logger";

const CHANNEL = "wf_work";

export function startPgWakeups(connectionString: string, onWake: () => void): { notify: () => void; close: () => Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let pendingNotify = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString });
    c.on("notification", () => onWake());
    c.on("error", (e) => {
      logger.warn({ err: e.message }, "LISTEN connection lost; reconnecting (polling meanwhile)");
      client = undefined;
      setTimeout(() => void connect(), 1000);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
    } catch (e) {
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, "LISTEN failed; retrying (polling meanwhile)");
      void c.end().catch(() => undefined);
      setTimeout(() => void connect(), 1000);
    }
  };
  void connect();

  return {
    // Coalesced: one NOTIFY in flight at a time is enough to wake every listener.
    notify() {
      if (!client || pendingNotify) return;
      pendingNotify = true;
      client
        .query(`NOTIFY ${CHANNEL}`)
        .catch(() => undefined)
        .finally(() => (pendingNotify = false));
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
