import { readConfig } from "../app/index.ts";
import { HttpClient } from "../client/index.ts";

/** The server client when `--server URL` or NOETL_SERVER_URL is given; undefined = embedded. */
export function remoteClient(server?: string): HttpClient | undefined {
  const config = readConfig();
  const url = server ?? config.remote;
  if (!url) return undefined;
  return new HttpClient({ baseUrl: url, ...(config.apiToken ? { token: config.apiToken } : {}) });
}

export function requireRemote(server?: string): HttpClient {
  const config = readConfig();
  return new HttpClient({
    baseUrl: server ?? config.remote ?? config.serverUrl,
    ...(config.apiToken ? { token: config.apiToken } : {}),
  });
}
