import assert from "node:assert/strict";
import { test } from "node:test";
import { SNOWFLAKE_EPOCH_MS, SnowflakeIds } from "./ids.ts";

test("snowflake ids are digit strings, strictly increasing even when the clock stalls", () => {
  let now = SNOWFLAKE_EPOCH_MS + 5_000;
  const ids = new SnowflakeIds({ now: () => now });
  const seen: bigint[] = [];
  for (let i = 0; i < 1000; i++) {
    if (i === 500) now -= 1000; // clock steps back
    const id = ids.next();
    assert.match(id, /^\d+$/);
    seen.push(BigInt(id));
  }
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `id ${i} not increasing`);
  assert.equal(Number(seen[0]! >> 23n), 5_000);
});
