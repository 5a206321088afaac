/**
 * @module bus
 * Command-notification port (pointers only) and its conformance suite.
 */
export type { Bus, CommandNotice, Delivery, Subscription } from "./bus.ts";
