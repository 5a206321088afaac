/**
 * @module testing
 * Test kit: real-service probes for service-bound suites, fakes for clocks and ids, latches, and
 * `until` (wait for a background effect).
 */

export { CounterIds, FakeClock } from "./fakes.ts";
export { type Latch, latch } from "./latch.ts";
export { RecordingBus } from "./recording-bus.ts";
export { NATS_URL, natsSkipReason, PG_URL, pgCredentialData, postgresSkipReason } from "./services.ts";
export { until } from "./until.ts";
