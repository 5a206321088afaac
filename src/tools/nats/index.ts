/**
 * @module tools/nats
 * `kind: nats`: JetStream key/value and object store, core and JetStream publishing, stream reads,
 * on cached connections.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createNatsTool } from "./nats-tool.ts";
