export type { LocalBusOptions } from "./local-bus.ts";
export { LocalBus } from "./local-bus.ts";
