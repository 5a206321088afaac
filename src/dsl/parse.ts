/**
 * YAML text → legacy normalisation → validation → canonical Playbook (DECISIONS 1–6).
 * Never throws on bad input: every problem becomes a diagnostic with a position.
 */
import type { JsonObject } from "../kernel/index.ts";
import { type Diagnostic, Diagnostics, type Path } from "./diagnostics.ts";
import type {
  ExecutorSpec,
  FailureMode,
  KeychainEntry,
  Playbook,
  PlaybookMetadata,
  Step,
  WorkbookEntry,
} from "./model.ts";
import { normalizeStep } from "./normalize-step.ts";
import { normalizeTools } from "./normalize-task.ts";
import { isObj, type Raw, without } from "./raw.ts";
import { loadYaml } from "./source-map.ts";
import { validatePlaybook } from "./validate.ts";

export interface ParseOptions {
  /** File name used in positions. */
  file?: string;
  /** Unknown root keys become warnings instead of errors. */
  lenient?: boolean;
}

export interface ParseResult {
  /** Present when there are no errors (warnings allowed). */
  playbook?: Playbook;
  diagnostics: Diagnostic[];
}

const ROOT_KEYS = new Set([
  "apiVersion",
  "kind",
  "metadata",
  "keychain",
  "executor",
  "workload",
  "workflow",
  "workbook",
]);
const LEGACY_ROOT_KEYS = new Set(["name", "path", "version", "description", "workbooks"]);
const API_VERSIONS = new Set(["noetl.io/v2", "noetl.io/v10"]);
/** Inputs above this size are refused before parsing (a playbook is a few KiB). */
export const MAX_PLAYBOOK_BYTES = 5 * 1024 * 1024;

export function parsePlaybook(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.file;
  if (typeof text !== "string" || text.trim() === "") {
    return fail("NOETL_E_DSL_NOT_A_MAP", "the document is empty", file);
  }
  if (text.length > MAX_PLAYBOOK_BYTES) {
    return fail("NOETL_E_DSL_YAML", `the document is larger than ${MAX_PLAYBOOK_BYTES} bytes`, file);
  }
  const loaded = loadYaml(text, file);
  if (loaded.errors.length > 0) {
    return {
      diagnostics: loaded.errors.map((e) => ({
        severity: "error",
        code: "NOETL_E_DSL_YAML",
        message: `not valid YAML: ${e.message}`,
        ...(e.position ? { position: e.position } : {}),
      })),
    };
  }
  const d = new Diagnostics(loaded.locate);
  const playbook = normalizeDocument(loaded.value, d, options);
  if (playbook) validatePlaybook(playbook, d, loaded.locate);
  if (d.hasErrors || !playbook) return { diagnostics: d.items };
  return { playbook: file ? { ...playbook, source: file } : playbook, diagnostics: d.items };
}

function fail(code: string, message: string, file?: string): ParseResult {
  return {
    diagnostics: [
      { severity: "error", code, message, ...(file ? { position: { file, line: 1, column: 1 } } : {}) },
    ],
  };
}

function normalizeDocument(doc: unknown, d: Diagnostics, options: ParseOptions): Playbook | undefined {
  if (!isObj(doc)) {
    d.error(
      "NOETL_E_DSL_NOT_A_MAP",
      "a playbook must be a YAML map with apiVersion, kind, metadata and workflow",
      [],
    );
    return undefined;
  }
  if (doc.apiVersion === undefined)
    d.error("NOETL_E_DSL_API_VERSION", "apiVersion is required (noetl.io/v2)", []);
  else if (!API_VERSIONS.has(String(doc.apiVersion))) {
    d.error(
      "NOETL_E_DSL_API_VERSION",
      `apiVersion '${String(doc.apiVersion)}' is not supported; write noetl.io/v2`,
      ["apiVersion"],
    );
  }
  if (doc.kind !== "Playbook") {
    d.error(
      "NOETL_E_DSL_KIND",
      `kind must be Playbook (got ${JSON.stringify(doc.kind ?? null)})`,
      doc.kind === undefined ? [] : ["kind"],
    );
  }
  if (doc.vars !== undefined) {
    d.error(
      "NOETL_E_DSL_ROOT_VARS",
      "root `vars` is not supported: use `workload` for inputs or `set: {ctx.k: …}` for state",
      ["vars"],
    );
  }
  for (const key of Object.keys(doc)) {
    if (ROOT_KEYS.has(key) || key === "vars") continue;
    if (LEGACY_ROOT_KEYS.has(key)) {
      d.warn("NOETL_W_DSL_LEGACY", `root \`${key}\` is legacy; write it under \`metadata\``, [key]);
      continue;
    }
    if (options.lenient) d.warn("NOETL_W_DSL_UNKNOWN_KEY", `unknown root key \`${key}\` ignored`, [key]);
    else
      d.error("NOETL_E_DSL_UNKNOWN_KEY", `unknown root key \`${key}\` (use --lenient to ignore it)`, [key]);
  }

  const metadata = normalizeMetadata(doc, d);
  const workload = doc.workload === undefined || doc.workload === null ? {} : doc.workload;
  if (!isObj(workload)) d.error("NOETL_E_DSL_NOT_A_MAP", "`workload` must be a map", ["workload"]);
  const executorRaw = isObj(doc.executor) ? doc.executor : {};
  if (doc.executor !== undefined && !isObj(doc.executor))
    d.error("NOETL_E_DSL_NOT_A_MAP", "`executor` must be a map", ["executor"]);
  const execSpec: Raw = isObj(executorRaw.spec) ? executorRaw.spec : {};
  const failurePolicy =
    isObj(execSpec.policy) && isObj(execSpec.policy.failure) ? execSpec.policy.failure.mode : undefined;
  const defaultFailure: FailureMode = failurePolicy === "best_effort" ? "best_effort" : "fail_fast";

  const workflow: Step[] = [];
  if (!Array.isArray(doc.workflow) || doc.workflow.length === 0) {
    d.error(
      "NOETL_E_DSL_WORKFLOW",
      "`workflow` must be a non-empty list of steps",
      doc.workflow === undefined ? [] : ["workflow"],
    );
  } else {
    doc.workflow.forEach((raw, i) => {
      if (!isObj(raw)) {
        d.error("NOETL_E_DSL_NOT_A_MAP", "a step must be a map with `step: <name>`", ["workflow", i]);
        return;
      }
      const pos = positionOf(d, ["workflow", i]);
      workflow.push({ ...normalizeStep(raw, ["workflow", i], d, defaultFailure), ...(pos ? { pos } : {}) });
    });
  }

  const first = workflow[0]?.step ?? "start";
  const executor: ExecutorSpec = {
    ...(typeof executorRaw.profile === "string" ? { profile: executorRaw.profile } : {}),
    entry_step: typeof execSpec.entry_step === "string" ? execSpec.entry_step : first,
    ...(typeof execSpec.final_step === "string" ? { final_step: execSpec.final_step } : {}),
    ...(typeof execSpec.on_error === "string" ? { on_error: execSpec.on_error } : {}),
    no_next_is_error: execSpec.no_next_is_error === true,
    failure_mode: defaultFailure,
    spec: without(execSpec, ["entry_step", "final_step", "on_error", "no_next_is_error"]) as JsonObject,
  };

  return {
    apiVersion: String(doc.apiVersion ?? "noetl.io/v2"),
    kind: "Playbook",
    metadata,
    keychain: normalizeKeychain(doc.keychain, d),
    executor,
    workload: (isObj(workload) ? workload : {}) as JsonObject,
    workflow,
    workbook: normalizeWorkbook(
      doc.workbook ?? doc.workbooks,
      doc.workbook === undefined ? "workbooks" : "workbook",
      d,
    ),
  };
}

function positionOf(d: Diagnostics, path: Path): Step["pos"] {
  return d.locate(path);
}

function normalizeMetadata(doc: Raw, d: Diagnostics): PlaybookMetadata {
  const raw: Raw = isObj(doc.metadata) ? { ...doc.metadata } : {};
  if (doc.metadata !== undefined && !isObj(doc.metadata))
    d.error("NOETL_E_DSL_METADATA", "`metadata` must be a map", ["metadata"]);
  for (const key of ["name", "path", "version", "description"]) {
    if (raw[key] === undefined && doc[key] !== undefined) raw[key] = doc[key];
  }
  if (typeof raw.name !== "string" || raw.name === "") {
    d.error(
      "NOETL_E_DSL_METADATA",
      "`metadata.name` is required",
      doc.metadata === undefined ? [] : ["metadata"],
    );
  }
  if (typeof raw.tags === "string") raw.tags = [raw.tags];
  if (raw.version !== undefined) raw.version = String(raw.version);
  return { ...(raw as JsonObject), name: typeof raw.name === "string" ? raw.name : "" } as PlaybookMetadata;
}

const KEYCHAIN_KINDS = new Set(["static", "bearer", "env", "credential", "credential_ref", "oauth2"]);

function normalizeKeychain(raw: unknown, d: Diagnostics): KeychainEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    d.error("NOETL_E_DSL_NOT_A_MAP", "`keychain` must be a list of entries", ["keychain"]);
    return [];
  }
  const out: KeychainEntry[] = [];
  raw.forEach((entry, i) => {
    if (!isObj(entry) || typeof entry.name !== "string") {
      d.error("NOETL_E_DSL_KEYCHAIN", "a keychain entry needs `name` and `kind`", ["keychain", i]);
      return;
    }
    const kind = String(entry.kind ?? entry.type ?? "");
    if (!KEYCHAIN_KINDS.has(kind)) {
      d.error(
        "NOETL_E_DSL_KEYCHAIN",
        `keychain kind '${kind}' is not supported here (static, bearer, env, credential, oauth2); store the secret with \`noetl credential add\``,
        ["keychain", i, entry.kind === undefined ? "type" : "kind"],
      );
    }
    out.push({
      ...(without(entry, ["type"]) as JsonObject),
      name: entry.name,
      kind: kind === "credential_ref" ? "credential" : kind,
    });
  });
  return out;
}

function normalizeWorkbook(raw: unknown, key: string, d: Diagnostics): WorkbookEntry[] {
  if (raw === undefined || raw === null) return [];
  if (key === "workbooks") d.warn("NOETL_W_DSL_LEGACY", "`workbooks:` is legacy; write `workbook:`", [key]);
  if (!Array.isArray(raw)) {
    d.error("NOETL_E_DSL_WORKBOOK", "`workbook` must be a list of `{name, tool}`", [key]);
    return [];
  }
  const out: WorkbookEntry[] = [];
  raw.forEach((entry, i) => {
    if (!isObj(entry) || typeof entry.name !== "string") {
      d.error("NOETL_E_DSL_WORKBOOK", "a workbook entry needs `name` and `tool`", [key, i]);
      return;
    }
    // Older shapes put the tool fields on the entry itself (`type: python, code: …`).
    const body = entry.tool ?? without(entry, ["name", "desc", "description"]);
    const { tasks } = normalizeTools(
      body,
      entry.name,
      [key, i, entry.tool === undefined ? "type" : "tool"],
      d,
    );
    const tool = tasks[0];
    if (tool) out.push({ name: entry.name, tool: { ...tool, name: entry.name } });
  });
  return out;
}
