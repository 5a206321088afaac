export { LocalBus } from "./local-bus.ts";
