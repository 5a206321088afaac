/**
 * @module tools/nats
 * `kind: nats`: JetStream KV get/put/delete/keys and core publish, on cached connections.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createNatsTool } from "./nats-tool.ts";
