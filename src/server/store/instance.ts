import { createEngineStore } from "./create-engine-store";
import type { EngineStore, StoreOptions } from "./engine-store";

const g = globalThis as unknown as { __wfEngineStore?: EngineStore };

/** The process's engine store (one per process, like the database client). */
export function engineStore(options?: StoreOptions): EngineStore {
  return (g.__wfEngineStore ??= createEngineStore(options));
}
