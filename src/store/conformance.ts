/**
 * The Store conformance suite: every adapter (memory, sqlite, postgres) runs it from its test
 * file and must give the same answers. It registers node:test suites, so it is not exported
 * from `index.ts`; tests import this file directly.
 *
 * `make` returns a new, not yet initialised store for each test. Tests use unique ids, so
 * stores that share one database (postgres) are fine.
 */
import { describe, it } from "node:test";
import { commandCases } from "./conformance-commands.ts";
import { dataCases } from "./conformance-data.ts";
import { eventLogCases } from "./conformance-events.ts";
import type { StoreTest } from "./conformance-fixtures.ts";
import type { Store } from "./store.ts";

/** Registers one test that runs `body` against a fresh, initialised store. */

/** Register the conformance tests of a Store adapter under `describe("store conformance: <name>")`. */
export function storeConformance(name: string, make: () => Promise<Store>): void {
  const test: StoreTest = (title, body) =>
    it(title, { timeout: 30_000 }, async () => {
      const store = await make();
      await store.init();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
  describe(`store conformance: ${name}`, () => {
    describe("event log and execution projection", () => eventLogCases(test));
    describe("commands, claims and leases", () => commandCases(test));
    describe("catalog, results, credentials, kv, lock", () => dataCases(test));
  });
}
