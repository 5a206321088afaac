"""NoETL python tool runner: one warm interpreter, one task at a time.

Requests arrive as JSON lines on stdin; responses leave as JSON lines on fd 3, so user
`print` output is captured per task and never mixes with the protocol.
"""
import ast
import base64
import contextlib
import datetime
import decimal
import importlib
import inspect
import io
import json
import math
import os
import sys
import textwrap
import traceback

_out = os.fdopen(3, "w", buffering=1)
_limit_mb = os.environ.get("NOETL_PY_MEMORY_MB")
if _limit_mb:
    try:
        import resource

        _bytes = int(_limit_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (_bytes, _bytes))
    except Exception:  # pragma: no cover - platform without RLIMIT_AS
        pass


def clean(o, depth=0):
    if depth > 200:
        return str(o)
    if o is None or isinstance(o, (bool, int, str)):
        return o
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {str(k): clean(v, depth + 1) for k, v in o.items()}
    if isinstance(o, (list, tuple, set, frozenset)):
        items = sorted(o, key=repr) if isinstance(o, (set, frozenset)) else o
        return [clean(v, depth + 1) for v in items]
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, datetime.timedelta):
        return o.total_seconds()
    if isinstance(o, decimal.Decimal):
        return float(o) if o.is_finite() else str(o)
    if isinstance(o, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(o)).decode("ascii")
    return str(o)


def bounded(text, limit):
    if len(text) <= limit:
        return text
    return text[:limit] + "\n...[truncated %d chars]" % (len(text) - limit)


def compile_task(code):
    try:
        return compile(code, "<noetl>", "exec"), False
    except SyntaxError as e:
        if "'return' outside function" not in str(e):
            raise
    body = textwrap.indent(code, "    ")
    src = "def __noetl_main__():\n" + body + "\n__noetl_result__ = __noetl_main__()\n"
    return compile(src, "<noetl>", "exec"), True


def call_main(fn, inputs):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn(**inputs)
    params = sig.parameters.values()
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return fn(**inputs)
    accepted = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return fn(**{k: v for k, v in inputs.items() if k in accepted})


def run(req):
    inputs = req.get("inputs") or {}
    ns = {"__name__": "__noetl__", "__builtins__": __builtins__}
    ns.update({k: v for k, v in inputs.items() if isinstance(k, str)})
    ns["input_data"] = inputs
    ns["context"] = req.get("context") or {}
    for alias, module in (req.get("libs") or {}).items():
        ns[alias] = importlib.import_module(module)
    code, wrapped = compile_task(req.get("code") or "")
    exec(code, ns)
    if wrapped:
        return ns.get("__noetl_result__")
    if "result" in ns and not ("result" in inputs and ns["result"] is inputs["result"]):
        return ns["result"]
    main = ns.get("main")
    if callable(main):
        return call_main(main, inputs)
    return None


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        limit = int(req.get("max_output") or 65536)
        so, se = io.StringIO(), io.StringIO()
        resp = {"id": req.get("id")}
        try:
            with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
                value = run(req)
            resp["ok"] = True
            resp["result"] = clean(value)
        except BaseException as e:  # noqa: BLE001 - every failure is reported to the host
            resp["ok"] = False
            resp["error"] = {
                "type": type(e).__name__,
                "message": str(e),
                "traceback": bounded("".join(traceback.format_exception(type(e), e, e.__traceback__)), 8192),
            }
        resp["stdout"] = bounded(so.getvalue(), limit)
        resp["stderr"] = bounded(se.getvalue(), limit)
        try:
            text = json.dumps(resp)
        except Exception as e:  # noqa: BLE001
            text = json.dumps({"id": req.get("id"), "ok": False, "error": {"type": "TypeError", "message": "result is not JSON: %s" % e, "traceback": ""}})
        _out.write(text + "\n")
        _out.flush()


serve()
