export type { NatsBusOptions } from "./nats-bus.ts";
export { NatsBus } from "./nats-bus.ts";
