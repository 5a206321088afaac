/**
 * The worker thread's program, as plain JavaScript (run with `eval: true`, so no TypeScript loader
 * is needed in the thread). It compiles each distinct `code` (per set of bound names) once into an
 * async function `(input, context, ...inputNames) => …` — input keys that are identifiers are also
 * bound as locals — runs it and posts `{id, ok, value}` or `{id, ok: false, error}`. Tasks run one
 * at a time, in arrival order.
 */
export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort } = require("node:worker_threads");
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

parentPort.on("message", (msg) => {
  if (Array.isArray(msg)) {
    for (const task of msg) line.push(task);
    if (!running) void drain();
  } else if (msg && typeof msg.cancel === "number") {
    cancelled.add(msg.cancel);
  }
});

async function drain() {
  running = true;
  while (line.length > 0) {
    const msg = line.shift();
    if (cancelled.delete(msg.id)) continue;
    await runOne(msg);
  }
  cancelled.clear();
  running = false;
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
