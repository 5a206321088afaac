/** How an orchestrator runs (leases, caps, exclusive ownership of its store). */
export interface OrchestratorOptions {
  /** Claim lease (a worker heartbeats well within it). */
  leaseMs: number;
  /** Server-wide cap on parallel loop iterations in flight per loop. */
  maxInFlightCap: number;
  /** Results above this size (bytes of JSON) are stored by reference. */
  inlineResultLimit: number;
  /**
   * This orchestrator is the only one writing to its store (embedded mode): its cached states
   * are authoritative, and its open commands and their claims by in-process workers are kept in
   * memory — no command rows are written (the event log holds every command in flight, and a
   * resume after a crash rebuilds and re-dispatches them from it). Never set it with server
   * replicas.
   */
  exclusive: boolean;
  /**
   * How long a catalog entry resolved for an execution start is reused (ms; 0: read every time).
   * What another replica registers or deletes shows here within this time.
   */
  catalogCacheMs: number;
}

export const DEFAULT_ORCHESTRATOR_OPTIONS: OrchestratorOptions = {
  leaseMs: 30_000,
  maxInFlightCap: 1000,
  inlineResultLimit: 65_536,
  exclusive: false,
  catalogCacheMs: 1000,
};
