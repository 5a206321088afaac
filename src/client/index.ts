/**
 * @module client
 * Typed HTTP client of the NoETL API and the worker's remote ControlPlane.
 */
export type { ClientOptions } from "./http-client.ts";
export { HttpClient, RemoteError } from "./http-client.ts";
export { RemoteControlPlane } from "./remote-control-plane.ts";
export type { CallOptions, WorkerChannelOptions } from "./worker-channel.ts";
export { ChannelUnavailable, WorkerChannel } from "./worker-channel.ts";
