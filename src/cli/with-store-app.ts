import { type EmbeddedApp, embedded, readConfig } from "../app/index.ts";

/** Runs `fn` with the embedded store and orchestrator (no worker: nothing runs), then closes them. */
export async function withStoreApp<T>(
  db: string | undefined,
  fn: (app: EmbeddedApp) => Promise<T>,
): Promise<T> {
  const app = await embedded({ config: readConfig(), startWorker: false, ...(db ? { dbPath: db } : {}) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
