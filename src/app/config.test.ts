import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { readConfig } from "./config.ts";

describe("readConfig", () => {
  it("turns the worker channel off only when NOETL_WORKER_CHANNEL says so", () => {
    assert.equal(readConfig({}).workerChannel, true);
    for (const off of ["off", "OFF", "0", "false", "no"])
      assert.equal(readConfig({ NOETL_WORKER_CHANNEL: off }).workerChannel, false, off);
    for (const on of ["on", "1", "true", "yes", ""])
      assert.equal(readConfig({ NOETL_WORKER_CHANNEL: on }).workerChannel, true, on);
  });

  it("keeps the CLI contexts in NOETL_HOME when set, else in ~/.noetl (not the per-project ./.noetl)", () => {
    assert.equal(readConfig({ NOETL_HOME: "/srv/noetl" }).contextsHome, "/srv/noetl");
    assert.equal(readConfig({}).contextsHome, join(homedir(), ".noetl"));
    assert.equal(readConfig({}).home, resolve(".noetl"));
  });

  it("reads the embedded durability, falling back to normal", () => {
    assert.equal(readConfig({}).durability, "normal");
    assert.equal(readConfig({ NOETL_DURABILITY: "full" }).durability, "full");
    assert.equal(readConfig({ NOETL_DURABILITY: "process" }).durability, "process");
    assert.equal(readConfig({ NOETL_DURABILITY: "fast" }).durability, "normal");
  });
});
