/** Runtime limits the engine decides with (set by the orchestrator). */
export interface EngineOptions {
  /** Server-wide cap on parallel iterations in flight per loop. */
  maxInFlightCap: number;
  /** Results above this many bytes of JSON are passed by reference. */
  inlineResultLimit: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { maxInFlightCap: 1000, inlineResultLimit: 65_536 };
