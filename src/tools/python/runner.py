"""NoETL python tool runner: one warm interpreter, many tasks.

Protocol (JSON lines): requests on fd 0, replies on fd 3. User code sees an empty stdin, and its
sys.stdout / sys.stderr are bounded buffers per task, so `print` never touches the protocol.

Request:  {"id", "code", "filename", "inputs", "context", "libs", "memory_mb", "max_output"}
Reply:    {"id", "ok": true, "result", "stdout", "stderr"}
       or {"id", "ok": false, "error": {"type", "message", "traceback"}, "stdout", "stderr"}
"""

import ast
import asyncio
import base64
import builtins
import datetime
import decimal
import importlib
import inspect
import json
import keyword
import linecache
import math
import os
import signal
import sys
import traceback
import uuid

RUNNER_FILE = os.path.abspath(__file__)
_SENTINEL = object()
_CODE_CACHE = {}
_CODE_CACHE_MAX = 256

try:
    import resource
except ImportError:  # not on every platform
    resource = None


def _setup_channels():
    proto_in = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    proto_out = os.fdopen(3, "wb", buffering=1 << 16)
    os.set_inheritable(3, False)
    sys.stdin = open(os.devnull, "r")
    return proto_in, proto_out


class BoundedWriter:
    """A text stream keeping the first `limit` UTF-8 bytes written to it."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit):
        self.limit = limit
        self.used = 0
        self.dropped = 0
        self.parts = []

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        if self.dropped:
            self.dropped += len(s.encode("utf-8", "replace"))
            return len(s)
        b = s.encode("utf-8", "replace")
        room = self.limit - self.used
        if len(b) <= room:
            self.parts.append(s)
            self.used += len(b)
        else:
            self.parts.append(b[:room].decode("utf-8", "ignore"))
            self.used = self.limit
            self.dropped = len(b) - room
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def seekable(self):
        return False

    def fileno(self):
        raise OSError("captured stream has no file descriptor")

    @property
    def closed(self):
        return False

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += "\n...[truncated %d bytes]" % self.dropped
        return text


# ---------------------------------------------------------------------------------------------
# JSON conversion


def _convert_default(o):
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return float(o) if o.is_finite() else str(o)
    if isinstance(o, (set, frozenset)):
        return list(o)
    if isinstance(o, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(o)).decode("ascii")
    if isinstance(o, uuid.UUID):
        return str(o)
    return _safe_str(o)


def _safe_str(o):
    try:
        return str(o)
    except Exception:
        try:
            return repr(o)
        except Exception:
            return "<unprintable %s>" % type(o).__name__


def _convert(o, depth=0):
    """Slow path: a full walk (non-finite floats, non-string keys, deep structures)."""
    if depth > 200:
        return _safe_str(o)
    if o is None or isinstance(o, (bool, int, str)):
        return o
    if isinstance(o, float):
        return o if math.isfinite(o) else str(o)
    if isinstance(o, dict):
        out = {}
        for k, v in o.items():
            if not isinstance(k, str):
                k = _key(k)
            out[k] = _convert(v, depth + 1)
        return out
    if isinstance(o, (list, tuple, set, frozenset)):
        return [_convert(v, depth + 1) for v in o]
    converted = _convert_default(o)
    return converted if isinstance(converted, str) else _convert(converted, depth + 1)


def _key(k):
    if k is None or isinstance(k, bool):
        return json.dumps(k)
    if isinstance(k, (int, float)):
        return str(k)
    c = _convert_default(k)
    return c if isinstance(c, str) else _safe_str(k)


def _dumps(reply):
    try:
        return json.dumps(reply, default=_convert_default, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        reply = dict(reply)
        reply["result"] = _convert(reply.get("result"))
        return json.dumps(reply, default=_safe_str, allow_nan=False, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Compilation


def _valid_name(name):
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _compile(code, filename, param_names):
    """Returns (code_object, wrapped). Code with a top-level `return` (or `await`) is compiled
    as the body of `def __noetl_main__(<inputs>, input_data, context)` with its own line numbers."""
    key = (code, filename, param_names)
    hit = _CODE_CACHE.get(key)
    if hit is not None:
        return hit
    try:
        compiled = (compile(code, filename, "exec"), False)
    except SyntaxError as e:
        msg = str(e.msg or "")
        if "outside function" not in msg and "outside async function" not in msg:
            raise
        compiled = (_compile_wrapped(code, filename, param_names), True)
    if len(_CODE_CACHE) >= _CODE_CACHE_MAX:
        _CODE_CACHE.pop(next(iter(_CODE_CACHE)))
    _CODE_CACHE[key] = compiled
    return compiled


def _compile_wrapped(code, filename, param_names):
    tree = ast.parse(code, filename, "exec")
    body = tree.body or [ast.Pass()]
    args = ast.arguments(
        posonlyargs=[],
        args=[],
        vararg=None,
        kwonlyargs=[ast.arg(arg=n) for n in param_names],
        kw_defaults=[None for _ in param_names],
        kwarg=None,
        defaults=[],
    )
    last_error = None
    for fn_type in (ast.FunctionDef, ast.AsyncFunctionDef):
        fn = fn_type(name="__noetl_main__", args=args, body=body, decorator_list=[], returns=None, type_params=[]) \
            if sys.version_info >= (3, 12) else \
            fn_type(name="__noetl_main__", args=args, body=body, decorator_list=[], returns=None)
        fn.lineno = 1
        fn.col_offset = 0
        module = ast.Module(body=[fn], type_ignores=[])
        ast.fix_missing_locations(module)
        try:
            return compile(module, filename, "exec")
        except SyntaxError as e:
            last_error = e
            if "await" not in str(e.msg or ""):
                raise
    raise last_error


def _register_source(filename, code):
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)


# ---------------------------------------------------------------------------------------------
# Running


def _import_libs(libs, ns):
    for alias, spec in (libs or {}).items():
        if isinstance(spec, str):
            ns[alias] = importlib.import_module(spec)
        elif isinstance(spec, dict) and "from" in spec:
            module = importlib.import_module(spec["from"])
            ns[alias] = getattr(module, spec.get("import") or alias)
        elif isinstance(spec, dict) and "import" in spec:
            ns[alias] = importlib.import_module(spec["import"])
        else:
            raise ValueError("libs.%s must be a module name or {from, import}" % alias)


def _await(value):
    if inspect.isawaitable(value):
        return asyncio.run(_as_coroutine(value))
    return value


async def _as_coroutine(awaitable):
    return await awaitable


def _call_main(main, inputs, context):
    try:
        sig = inspect.signature(main)
    except (TypeError, ValueError):
        return main(**inputs)
    params = sig.parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        kwargs = dict(inputs)
    else:
        kwargs = {}
    for name, p in params.items():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or name in kwargs:
            continue
        if name in inputs:
            kwargs[name] = inputs[name]
        elif name == "context":
            kwargs[name] = context
        elif name == "input_data":
            kwargs[name] = inputs
        elif isinstance(context, dict) and name in context:
            kwargs[name] = context[name]
    return main(**kwargs)


def _run_task(req):
    inputs = req.get("inputs") or {}
    context = req.get("context") or {}
    filename = req.get("filename") or "<python>"
    code = req["code"]
    _register_source(filename, code)
    ns = {"__name__": "__main__", "__builtins__": builtins, "__file__": filename}
    ns.update(inputs)
    ns["input_data"] = inputs
    ns["context"] = context
    _import_libs(req.get("libs"), ns)
    param_names = tuple(n for n in inputs if _valid_name(n) and n not in ("input_data", "context"))
    compiled, wrapped = _compile(code, filename, param_names)
    if wrapped:
        exec(compiled, ns)
        fn = ns.pop("__noetl_main__")
        kwargs = {n: inputs[n] for n in param_names}
        return _await(fn(**kwargs))
    initial_result = ns.get("result", _SENTINEL)
    initial_main = ns.get("main", _SENTINEL)
    before = dict(ns)
    try:
        exec(compiled, ns)
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    result = ns.get("result", _SENTINEL)
    if result is not _SENTINEL and result is not initial_result:
        return result
    main = ns.get("main", _SENTINEL)
    if main is not _SENTINEL and main is not initial_main and callable(main):
        return _await(_call_main(main, inputs, context))
    return _locals_summary(ns, before)


def _locals_summary(ns, before):
    """Pure mode without `result`: the variables the code bound (new or rebound), except private
    names, modules, functions and classes."""
    summary = {}
    for name, value in ns.items():
        if name.startswith("_") or (name in before and before[name] is value):
            continue
        if inspect.ismodule(value) or inspect.isroutine(value) or inspect.isclass(value):
            continue
        summary[name] = value
    return summary


def _format_traceback(exc):
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == RUNNER_FILE:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _set_memory_limit(memory_mb):
    if resource is None or not memory_mb:
        return None
    previous = resource.getrlimit(resource.RLIMIT_AS)
    limit = int(memory_mb) * 1024 * 1024
    hard = previous[1]
    if hard != resource.RLIM_INFINITY and limit > hard:
        limit = hard
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return previous


def _handle(req):
    max_output = int(req.get("max_output") or 65536)
    out, err = BoundedWriter(max_output), BoundedWriter(max_output)
    saved_streams = (sys.stdout, sys.stderr)
    saved_cwd = os.getcwd()
    previous_limit = None
    sys.stdout, sys.stderr = out, err
    try:
        previous_limit = _set_memory_limit(req.get("memory_mb"))
        result = _run_task(req)
        reply = {"id": req["id"], "ok": True, "result": result}
    except BaseException as exc:  # noqa: BLE001 - every user failure becomes a reply
        if isinstance(exc, KeyboardInterrupt):
            raise
        reply = {
            "id": req["id"],
            "ok": False,
            "error": {"type": type(exc).__name__, "message": _safe_str(exc), "traceback": _format_traceback(exc)},
        }
    finally:
        if previous_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous_limit)
        sys.stdout, sys.stderr = saved_streams
        try:
            if os.getcwd() != saved_cwd:
                os.chdir(saved_cwd)
        except OSError:
            os.chdir(saved_cwd)
    reply["stdout"] = out.getvalue()
    reply["stderr"] = err.getvalue()
    return reply


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    proto_in, proto_out = _setup_channels()
    cwd = os.getcwd()
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(RUNNER_FILE):
        sys.path[0] = cwd
    else:
        sys.path.insert(0, cwd)
    while True:
        line = proto_in.readline()
        if not line:
            return
        if not line.strip():
            continue
        req = json.loads(line)
        reply = _handle(req)
        try:
            data = _dumps(reply)
        except Exception as exc:  # noqa: BLE001
            data = json.dumps({
                "id": req["id"],
                "ok": False,
                "error": {"type": type(exc).__name__, "message": "result is not serialisable: %s" % exc, "traceback": ""},
                "stdout": reply.get("stdout", ""),
                "stderr": reply.get("stderr", ""),
            })
        proto_out.write(data.encode("utf-8", "surrogatepass") + b"\n")
        proto_out.flush()


if __name__ == "__main__":
    main()
