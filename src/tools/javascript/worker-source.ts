/**
 * The worker thread's program, as plain JavaScript (run with `eval: true`, so no TypeScript loader
 * is needed in the thread). It compiles each distinct `code` (per set of bound names) once into an
 * async function `(input, context, ...inputNames) => …` — input keys that are identifiers are also
 * bound as locals — runs it and posts `{id, ok, value}` or `{id, ok: false, error}`. Tasks run one
 * at a time, in arrival order.
 *
 * When its line runs empty, the thread polls its port for up to `workerData.spinUs` microseconds
 * before going back to sleep, if the pool marked its last task `poll` (all the pool had to do, in
 * a chain whose tasks come that quickly: see JsWorkerPool) and no other javascript thread of the
 * process is polling (`workerData.gate`, one shared Int32). Waking a sleeping thread costs
 * 25–500 µs on a virtual machine; a polling one picks the task up in a few microseconds.
 */
export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const SPIN_MS = (workerData && workerData.spinUs ? workerData.spinUs : 0) / 1000;
const gate = workerData && workerData.gate ? workerData.gate : null;
// Bumped by the pool after each message it posts to this thread: polling reads it (a plain atomic
// load) and calls into the port only when it moved.
const posted = workerData && workerData.posted ? workerData.posted : null;
const AsyncFunction = (async () => {}).constructor;
const cache = new Map();
const CACHE_MAX = 256;
// A stray rejected promise in user code must not kill the worker.
process.on("unhandledRejection", () => {});

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(["break","case","catch","class","const","continue","debugger","default","delete","do","else","enum","export","extends","false","finally","for","function","if","import","in","instanceof","new","null","return","super","switch","this","throw","true","try","typeof","var","void","while","with","yield","let","static","implements","interface","package","private","protected","public","await","arguments","eval","input","context"]);

function compile(code, names) {
  const key = names.join(",") + "\u0000" + code;
  let fn = cache.get(key);
  if (fn === undefined) {
    fn = new AsyncFunction("input", "context", ...names, code);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value);
    cache.set(key, fn);
  }
  return fn;
}

function bindable(input) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return [];
  return Object.keys(input).filter((k) => IDENT.test(k) && !RESERVED.has(k));
}

function describe(e) {
  if (e instanceof Error) {
    let stack = "";
    try { stack = String(e.stack ?? ""); } catch {}
    return { name: String(e.name), message: String(e.message), stack };
  }
  let message;
  try { message = String(e); } catch { message = "(unprintable thrown value)"; }
  return { name: "Error", message, stack: "" };
}

// Tasks arrive in batches (arrays) and run one at a time, in order; {cancel: id} skips a task
// that has not started yet.
const line = [];
const cancelled = new Set();
let running = false;
// Whether the pool marked the last task run "poll" (it had nothing else to do).
let mayPoll = false;

function accept(msg) {
  if (Array.isArray(msg)) {
    for (const task of msg) line.push(task);
  } else if (msg && typeof msg.cancel === "number") {
    cancelled.add(msg.cancel);
  }
}

parentPort.on("message", (msg) => {
  accept(msg);
  if (!running && line.length > 0) void drain();
});

async function drain() {
  running = true;
  for (;;) {
    while (line.length > 0) {
      const msg = line.shift();
      mayPoll = msg.poll === true;
      if (cancelled.delete(msg.id)) continue;
      await runOne(msg);
    }
    if (!poll()) break;
  }
  cancelled.clear();
  running = false;
}

/** Polls the port for up to SPIN_MS (see above); true when a task arrived. */
function poll() {
  if (SPIN_MS <= 0 || posted === null || !mayPoll) return false;
  if (gate !== null && Atomics.compareExchange(gate, 0, 0, 1) !== 0) return false;
  try {
    const start = performance.now();
    let seen = Atomics.load(posted, 0);
    for (;;) {
      let received = receiveMessageOnPort(parentPort);
      while (received !== undefined) {
        accept(received.message);
        received = receiveMessageOnPort(parentPort);
      }
      if (line.length > 0) return true;
      let now;
      do now = performance.now();
      while (Atomics.load(posted, 0) === seen && now - start < SPIN_MS);
      if (now - start >= SPIN_MS) return false;
      seen = Atomics.load(posted, 0);
    }
  } finally {
    if (gate !== null) Atomics.store(gate, 0, 0);
  }
}

async function runOne(msg) {
  let value;
  try {
    const names = bindable(msg.input);
    value = await compile(msg.code, names)(msg.input, msg.context, ...names.map((n) => msg.input[n]));
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: describe(e) });
    return;
  }
  try {
    parentPort.postMessage({ id: msg.id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, clone: true, error: describe(e) });
  }
}
`;
