import type { Clock } from "../kernel/index.ts";

/** The wall clock (the only place outside tests that reads it for the core). */
export const systemClock: Clock = { now: () => Date.now() };
