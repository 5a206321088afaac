import assert from "node:assert/strict";

/**
 * Waits until `check()` holds, looking every 10 ms for up to 5 s, then asserts it (a test that
 * waits for something the server does in the background: a request for work held, a channel open).
 */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
}
