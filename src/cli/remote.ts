import { type CliContext, currentContext, readConfig } from "../app/index.ts";
import { HttpClient } from "../client/index.ts";

/**
 * The server client when one is named: `--server URL`, else NOETL_SERVER_URL, else the current
 * context (`noetl context use`) unless its runtime is `local`; undefined = embedded.
 */
export function remoteClient(server?: string): HttpClient | undefined {
  const config = readConfig();
  const url = server ?? config.remote ?? contextServer(config.contextsHome, false);
  if (!url) return undefined;
  return new HttpClient({ baseUrl: url, ...(config.apiToken ? { token: config.apiToken } : {}) });
}

/** The server client: `--server`, NOETL_SERVER_URL, the current context's server, else the default URL. */
export function requireRemote(server?: string): HttpClient {
  const config = readConfig();
  return new HttpClient({
    baseUrl: server ?? config.remote ?? contextServer(config.contextsHome, true) ?? config.serverUrl,
    ...(config.apiToken ? { token: config.apiToken } : {}),
  });
}

/** The current context's server URL (`evenLocal`: also when the context's runtime is `local`). */
function contextServer(home: string, evenLocal: boolean): string | undefined {
  const context = currentContext(home);
  if (!context || (context.runtime === "local" && !evenLocal)) return undefined;
  return context.server_url;
}

/**
 * The current context unless a server is named (`--server`, NOETL_SERVER_URL): a named server
 * sets both the server and the runtime rule, as without contexts.
 */
export function activeContext(server?: string): CliContext | undefined {
  const config = readConfig();
  return server !== undefined || config.remote !== undefined
    ? undefined
    : currentContext(config.contextsHome);
}
